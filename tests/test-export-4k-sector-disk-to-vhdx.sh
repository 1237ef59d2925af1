#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A 4096-byte-sector GPT disk exports to a VHDX whose logical sector size
# is 4096 (so the GPT stays at LBA 1), and the VHDX holds the disk: read
# back by a small independent reader written here from MS-VHDX (region
# table, metadata items, BAT with its sector-bitmap interleave), it equals
# the raw export byte for byte.  (qemu-img refuses VHDX files whose logical
# sector size is not 512, so it cannot be the reader here.)  A VHD of the
# same disk is refused: VHD has 512-byte sectors only.
. "$(dirname "$0")/functions.sh"
requires python3
requires qemu-img
img=$(fixture win10-gpt4k)
expect_exit 0 "$CE_OFFLINE" export "$img" --format vhdx --output "$TMP/o.vhdx"
expect_exit 0 "$CE_OFFLINE" export "$img" --format raw --output "$TMP/o.raw"
python3 - "$TMP/o.vhdx" "$TMP/back.raw" >"$TMP/reader.out" <<'PY' || { cat "$TMP/reader.out"; fail "VHDX reader"; }
import struct, sys, uuid
src, dst = sys.argv[1], sys.argv[2]
f = open(src, 'rb')
def rd(off, n):
    f.seek(off); b = f.read(n); assert len(b) == n, "short read"; return b
def crc32c(b):
    c = 0xffffffff
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0x82f63b78 if c & 1 else c >> 1
    return c ^ 0xffffffff
assert rd(0, 8) == b'vhdxfile'
rt = bytearray(rd(192 * 1024, 64 * 1024))
assert rt[:4] == b'regi'
stored = struct.unpack_from('<I', rt, 4)[0]
rt[4:8] = b'\0\0\0\0'
assert crc32c(bytes(rt)) == stored, "region table CRC-32C"
regions = {}
for i in range(struct.unpack_from('<I', rt, 8)[0]):
    g, off, ln, req = struct.unpack_from('<16sQII', rt, 16 + 32 * i)
    regions[str(uuid.UUID(bytes_le=g)).upper()] = (off, ln)
bat_off, bat_len = regions['2DC27766-F623-4200-9D64-115E9BFD4A08']
meta_off, _ = regions['8B7CA206-4790-4B9A-B8FE-575F050F886E']
meta = rd(meta_off, 64 * 1024)
assert meta[:8] == b'metadata'
items = {}
for i in range(struct.unpack_from('<H', meta, 10)[0]):
    g, off, ln = struct.unpack_from('<16sII', meta, 32 + 32 * i)
    items[str(uuid.UUID(bytes_le=g)).upper()] = rd(meta_off + off, ln)
bs = struct.unpack('<I', items['CAA16737-FA36-4D43-B3B6-33F0AA44E76B'][:4])[0]
vsize = struct.unpack('<Q', items['2FA54224-CD1B-4876-B211-5DBED83BF4B8'])[0]
lss = struct.unpack('<I', items['8141BF1D-A96F-4709-BA47-F233A8FAAB5F'])[0]
print("block size", bs, "virtual size", vsize, "logical sector size", lss)
assert lss == 4096, "logical sector size %d" % lss
ratio = (1 << 23) * lss // bs
bat = rd(bat_off, bat_len)
out = open(dst, 'wb')
out.truncate(vsize)
for b in range((vsize + bs - 1) // bs):
    e = struct.unpack_from('<Q', bat, 8 * (b + b // ratio))[0]
    state = e & 7
    assert state in (0, 6), "block %d state %d" % (b, state)
    if state == 6:
        n = min(bs, vsize - b * bs)
        out.seek(b * bs); out.write(rd((e >> 20) << 20, n))
out.close()
PY
cat "$TMP/reader.out"
qemu-img compare -q -f raw -F raw "$TMP/o.raw" "$TMP/back.raw" || fail "the VHDX holds a different disk"
echo "ok: the VHDX, read independently, equals the raw export"
qemu-img compare -q -f raw -F raw "$img" "$TMP/o.raw" || fail "raw export differs from the fixture (its free space is zero)"
echo "ok: and the fixture itself"
expect_exit 2 "$CE_OFFLINE" export "$img" --format vhd --output "$TMP/o.vhd"
expect_grep '512-byte sectors only' "$TMP/err" "VHD of a 4Kn disk refused"
[ ! -e "$TMP/o.vhd" ] || fail "o.vhd created"
