#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect reads a disk through NBD in user space (libnbd): a qcow2 of a
# fixture served by qemu-nbd over TCP, and the raw image served by nbdkit
# over a Unix socket, give the same document as the image file itself.
. "$(dirname "$0")/functions.sh"
requires qemu-nbd
requires qemu-img
requires nbdkit
img=$(fixture win2019-uefi-vda)
strip='del(.disk)'
"$CE_OFFLINE" inspect --json "$img" | jq -S "$strip" > "$TMP/file.json"

qemu-img convert -O qcow2 "$img" "$TMP/disk.qcow2"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       shuf -i 20000-60000 -n1)
qemu-nbd -r -f qcow2 -b 127.0.0.1 -p "$port" -x win --persistent "$TMP/disk.qcow2" &
on_exit "kill $! 2>/dev/null"
for _ in $(seq 50); do nbdinfo --size "nbd://127.0.0.1:$port/win" >/dev/null 2>&1 && break; sleep 0.1; done
expect_exit 0 "$CE_OFFLINE" inspect --json "nbd://127.0.0.1:$port/win"
jq -S "$strip" "$TMP/out" > "$TMP/tcp.json"
diff -u "$TMP/file.json" "$TMP/tcp.json" || fail "qcow2 over NBD/TCP differs from the image file"
echo "ok: qemu-nbd (qcow2, TCP) gives the same document"

nbdkit -U - file "$img" --run "'$CE_OFFLINE' inspect --json \"\$uri\" > '$TMP/unix.raw'"
jq -S "$strip" "$TMP/unix.raw" > "$TMP/unix.json"
diff -u "$TMP/file.json" "$TMP/unix.json" || fail "raw over NBD/Unix differs from the image file"
echo "ok: nbdkit (raw, Unix socket) gives the same document"

expect_exit 1 "$CE_OFFLINE" inspect "nbd://127.0.0.1:1/none"
expect_grep 'cannot connect' "$TMP/err" "unreachable server: clear error"
