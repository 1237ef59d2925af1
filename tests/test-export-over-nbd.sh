#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# export reads its source through NBD too: the disk served by nbdkit over a
# Unix socket and by qemu-nbd (from a qcow2) over TCP exports to the same
# VHDX content (qemu-img compare) as the image file, with the same bytes
# read from the source.
. "$(dirname "$0")/functions.sh"
requires nbdkit
requires qemu-nbd
requires qemu-img
src=$TMP/src.img
CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" 320M 32M gpt 2>"$TMP/mk.err" \
  || { cat "$TMP/mk.err"; fail "export-bench-disk"; }
expect_exit 0 "$CE_OFFLINE" export "$src" --format raw --output "$TMP/file.raw" --json
file_read=$(jq -r .bytesRead "$TMP/out")

nbdkit -U - file "$src" --run "'$CE_OFFLINE' export \"\$uri\" --format vhdx --output '$TMP/unix.vhdx' --json > '$TMP/unix.json'" \
  || fail "export over nbdkit"
qemu-img compare -f raw -F vhdx "$TMP/file.raw" "$TMP/unix.vhdx" || fail "nbdkit: differs"
expect_eq "$(jq -r .bytesRead "$TMP/unix.json")" "$file_read" "nbdkit: bytes read"

qemu-img convert -O qcow2 "$src" "$TMP/disk.qcow2"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       shuf -i 20000-60000 -n1)
qemu-nbd -r -f qcow2 -b 127.0.0.1 -p "$port" -x disk --persistent "$TMP/disk.qcow2" &
on_exit "kill $! 2>/dev/null"
for _ in $(seq 50); do nbdinfo --size "nbd://127.0.0.1:$port/disk" >/dev/null 2>&1 && break; sleep 0.1; done
expect_exit 0 "$CE_OFFLINE" export "nbd://127.0.0.1:$port/disk" --format vhdx --output "$TMP/tcp.vhdx"
qemu-img compare -f raw -F vhdx "$TMP/file.raw" "$TMP/tcp.vhdx" || fail "qemu-nbd: differs"
echo "ok: NBD sources export the same disk"
