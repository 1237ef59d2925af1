#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# No FUSE, kernel mount, loop device or privilege: an unprivileged user
# inspects an image file it can only read.
. "$(dirname "$0")/functions.sh"
requires setpriv
[ "$(id -u)" -eq 0 ] || { echo "already unprivileged: covered by every other test"; exit 77; }
img=$(fixture win10-uefi)
dir=$(mktemp -d /tmp/ce-nobody.XXXXXX)
on_exit "rm -rf $dir"
cp --sparse=always "$img" "$dir/disk.img"
cp "$CE_OFFLINE" "$dir/ce-offline"
chmod 755 "$dir" "$dir/ce-offline"
chmod 444 "$dir/disk.img"
expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
  env ASAN_OPTIONS="$ASAN_OPTIONS" "$dir/ce-offline" inspect --json "$dir/disk.img"
expect_eq "$(jq -r '.windows[0].currentControlSet' "$TMP/out")" ControlSet002 "facts read as nobody"
