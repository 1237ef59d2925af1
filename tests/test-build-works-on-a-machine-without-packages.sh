#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The first `make` on a fresh machine installs the packages and then links:
# the pkg-config flags must be read after install-deps ran, not before
# (issue 14: PKG_LIBS was expanded while make read the Makefile, so the
# first `make demo` failed with undefined references and a second worked).
#
# The fresh machine is simulated for the build logic only: a pkg-config
# wrapper first in PATH answers "no such package" until a marker file
# exists, and a stand-in install-deps (INSTALL_DEPS) reports everything
# missing until it "installs" by creating that marker.  The real compiler
# and the real .pc files do the rest.
. tests/functions.sh
requires pkg-config

real_pc=$(command -v pkg-config)
pkg-config --exists openssl jansson libcurl || fail "the real packages are needed for the link"
marker=$TMP/installed
mkdir -p "$TMP/bin"
cat >"$TMP/bin/pkg-config" <<EOF
#!/bin/sh
[ -e "$marker" ] || { echo "Package was not found (simulated fresh machine)" >&2; exit 1; }
exec "$real_pc" "\$@"
EOF
cat >"$TMP/install-deps" <<EOF
#!/bin/sh
if [ "\${1:-}" = --check ]; then
  [ -e "$marker" ] || { echo "missing packages: (simulated)"; exit 1; }
  exit 0
fi
echo "install-deps (simulated): installing" >&2
echo "\$(date)" >>"$TMP/install-runs"
touch "$marker"
EOF
chmod +x "$TMP/bin/pkg-config" "$TMP/install-deps"

# cectl is the smallest program that needs pkg-config's --libs to link.
build=$TMP/build
rc=0
PATH=$TMP/bin:$PATH make --no-print-directory -C "$CE_TOP" BUILD="$build" SANITIZE=0 \
  INSTALL_DEPS="$TMP/install-deps" "$build/bin/cectl" >"$TMP/make.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  tail -n 20 "$TMP/make.log"
  fail "the first make on a machine without packages failed (exit $rc)"
fi
echo "ok: the first make installed the packages and linked cectl"
[ -x "$build/bin/cectl" ] || fail "cectl was not built"
expect_eq "$(wc -l <"$TMP/install-runs")" 1 "install-deps runs on the first make"

# A second make finds everything present: no install, nothing to do.
PATH=$TMP/bin:$PATH make --no-print-directory -C "$CE_TOP" BUILD="$build" SANITIZE=0 \
  INSTALL_DEPS="$TMP/install-deps" "$build/bin/cectl" >"$TMP/make2.log" 2>&1 \
  || fail "the second make failed"
expect_eq "$(wc -l <"$TMP/install-runs")" 1 "install-deps runs only when something is missing"
