#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The initramfs holds ce-init (static) as /init, ce-agent, exactly the shared
# libraries ce-agent needs (its ldd closure: nothing more, nothing less),
# busybox only as udhcpc, the CA bundle and a few /etc files (hosts, passwd,
# group, ce-image.json: the image's identity): no shell, no
# login, no other daemon.  Listed with cpio, not with our own code.
# The image's ce-agent is its own build without NBD: no libnbd, and so no
# libxml2 or ICU, in what the initramfs carries (the host's keeps libnbd).
. tests/functions.sh
. tests/smoke-functions.sh
if [ "${CE_SKIP_QEMU:-0}" = 1 ]; then echo "CE_SKIP_QEMU=1: appliance image tests skipped"; exit 77; fi
smoke_requires
requires cpio
ibuild=$(dirname "$CE_IMAGE_DIR")
agent=$CE_IMAGE_DIR/ce-agent
CE_AGENT_HOST=$CE_TOP/$CE_BUILD/bin/ce-agent
[ -f "$agent" ] || fail "$agent is missing (make image builds it)"
lz4 -dc "$CE_IMAGE_DIR/initramfs.cpio.lz4" > "$TMP/initramfs.cpio" || fail "initramfs is not LZ4 (legacy)"
mkdir "$TMP/root"
(cd "$TMP/root" && cpio -id --quiet --no-absolute-filenames < "$TMP/initramfs.cpio")
cpio -tv --quiet < "$TMP/initramfs.cpio" > "$TMP/list"
# Dump in the test log (useful when the image changes).
cat "$TMP/list"

r=$TMP/root
file "$r/init" | grep -q 'statically linked' || fail "/init is not static"
file -L "$r/sbin/udhcpc" | grep -q 'statically linked' || fail "/sbin/udhcpc is not static busybox"
for l in dhcp-hook poweroff halt reboot; do
  expect_eq "$(readlink "$r/sbin/$l")" /init "/sbin/$l -> /init"
done
grep -q ' dev/console$' "$TMP/list" || grep -q 'dev/console' "$TMP/list" || fail "no /dev/console node"
for f in bin/sh bin/ash bin/bash bin/busybox bin/login sbin/getty usr/sbin/sshd bin/su; do
  [ -e "$r/$f" ] && fail "/$f must not be in the image"
done
echo "ok: no shell, no login, no sshd"

# The lean build: neither the agent nor the image links NBD or what it drags in.
ldd "$agent" > "$TMP/agent-ldd"
grep -E 'lib(nbd|xml2|icu[a-z]*)\.so' "$TMP/agent-ldd" && fail "the image's ce-agent links libnbd/libxml2/ICU"
nm -D --undefined-only "$agent" | grep -E ' nbd_' && fail "the image's ce-agent calls libnbd"
(cd "$r" && find . -name 'libnbd.so*' -o -name 'libxml2.so*' -o -name 'libicu*.so*') > "$TMP/heavy"
[ -s "$TMP/heavy" ] && { cat "$TMP/heavy"; fail "libnbd/libxml2/ICU in the initramfs"; }
grep -q 'this build has no NBD support' "$agent" || fail "the image's ce-agent lacks the no-NBD backend"
# The same library under ce-offline refuses an NBD URI with that message
# (nothing listens on the port: the host build would fail to connect instead).
nonbd=$CE_IMAGE_DIR/ce-offline-nonbd
[ -x "$nonbd" ] || fail "$nonbd is missing (make image builds it)"
"$nonbd" inspect nbd://127.0.0.1:1/x > "$TMP/nonbd.out" 2>&1 && fail "ce-offline-nonbd accepted an nbd:// URI"
cat "$TMP/nonbd.out"
grep -q 'this build has no NBD support' "$TMP/nonbd.out" || fail "no 'no NBD support' error"
# The host build keeps NBD (tests/test-*-over-nbd.sh use it).
ldd "$CE_AGENT_HOST" > "$TMP/host-ldd" || fail "$CE_AGENT_HOST is not built"
grep -q 'libnbd\.so' "$TMP/host-ldd" || fail "the host ce-agent lost libnbd"
echo "ok: no libnbd, libxml2 or ICU in the image's ce-agent ($(grep -c '=> /' "$TMP/agent-ldd") libraries)"

# Every regular file is accounted for (the glibc converters hivex loads at
# run time are the only files ldd cannot see).
(cd "$r" && find . -type f | sed 's|^\./|/|' | sort) > "$TMP/files"
ldd "$agent" | awk '/=> \// { print "/lib/x86_64-linux-gnu/" gensub(/.*\//, "", 1, $3) }
                    /^\t\/.*ld-linux/ { print "/lib64/ld-linux-x86-64.so.2" }' | sort -u > "$TMP/closure"
{ printf '%s\n' /init /usr/bin/ce-agent /sbin/udhcpc /etc/hosts /etc/passwd /etc/group \
    /etc/ssl/certs/ca-certificates.crt /etc/ce-image.json; cat "$TMP/closure"
  g=/usr/lib/x86_64-linux-gnu/gconv
  printf '%s\n' $g/gconv-modules.cache $g/ISO8859-1.so $g/UTF-16.so $g/UTF-32.so $g/UNICODE.so
} | sort > "$TMP/expected"
diff -u "$TMP/expected" "$TMP/files" || fail "initramfs files differ from init + agent + its ldd closure"
echo "ok: $(wc -l < "$TMP/closure") libraries = ce-agent's ldd closure"

# The agent's libraries resolve inside the image alone (the loader run with
# the image's library directory only).
"$r/lib64/ld-linux-x86-64.so.2" --library-path "$r/lib/x86_64-linux-gnu" --list "$r/usr/bin/ce-agent" \
  > "$TMP/ldlist" 2>&1 || { cat "$TMP/ldlist"; fail "the loader cannot resolve ce-agent in the image"; }
grep -q 'not found' "$TMP/ldlist" && { cat "$TMP/ldlist"; fail "unresolved library"; }
grep -v "$r" "$TMP/ldlist" | grep -E '=> /' && fail "a library resolved outside the image"
echo "ok: ce-agent's libraries resolve within the image"
"$r/lib64/ld-linux-x86-64.so.2" --library-path "$r/lib/x86_64-linux-gnu" "$r/usr/bin/ce-agent" --version \
  || fail "ce-agent from the image does not run"
cmp -s "$r/etc/ssl/certs/ca-certificates.crt" /etc/ssl/certs/ca-certificates.crt || fail "CA bundle"
echo "ok: the image's ce-agent runs"
