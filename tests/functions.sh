# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for tests/test-*.sh.  Source it first:  . tests/functions.sh
set -euo pipefail
CE_TOP=${CE_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$CE_TOP"
CE_BUILD=${CE_BUILD:-build/asan}
CE_OFFLINE=${CE_OFFLINE:-$CE_TOP/$CE_BUILD/bin/ce-offline}
FIXTOOLS=$CE_TOP/$CE_BUILD/tests/fixtures
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=99}

# Skip the test (exit 77) unless COMMAND exists.
requires() {
  command -v "$1" >/dev/null 2>&1 || { echo "requires $1"; exit 77; }
}

# A private temp dir removed on exit; extra cleanup commands via on_exit.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ce-test.XXXXXX")
_cleanups=()
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
  local i
  for ((i=${#_cleanups[@]}-1; i>=0; i--)); do eval "${_cleanups[i]}" || true; done
  rm -rf "$TMP"
}
trap _run_cleanups EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# ram_workdir NAME: $work, a private directory in RAM when /dev/shm is
# writable (the fault-injection tools sync after every write, which
# dominates on a real disk; a 4 GiB sparse image fits), else $TMP.
ram_workdir() {
  work=$TMP
  if [ -w /dev/shm ]; then
    work=$(mktemp -d "/dev/shm/ce-$1.XXXXXX")
    on_exit "rm -rf $work"
  fi
}

# wait_for SECONDS CMD...: poll CMD until it succeeds (the event), every
# 0.1 s, up to a wall-clock deadline that only bounds a hang: a loaded
# machine makes each poll slower, never the allowance shorter.  Returns 1
# at the deadline; callers say what did not happen.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
  [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
  echo "ok: $3 = '$2'"
}

# expect_exit CODE CMD...: run CMD, check its exit code, keep stdout in
# $TMP/out and stderr in $TMP/err.
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "--- stdout"; cat "$TMP/out"; echo "--- stderr"; cat "$TMP/err"
    fail "$*: exit $rc, expected $want"
  fi
  echo "ok: exit $want from $*"
}

# expect_grep PATTERN FILE WHAT
expect_grep() {
  grep -qE -- "$1" "$2" || { cat "$2"; fail "$3: /$1/ not in $2"; }
  echo "ok: $3"
}

# Build (or reuse) a fixture disk: fixture NAME -> prints its path.
# Fixtures are cached per build tree; the generator is tests/fixtures/make-fixture.
fixture() {
  local name=$1 dir key
  # Cached per build tree and per content of the generator and its data,
  # so a changed generator never serves a stale image.
  key=$(cd "$CE_TOP" && find tests/fixtures tests/data tests/progs/mkpe.c tests/progs/pe-image.h -type f -print0 | sort -z |
        xargs -0 sha256sum | sha256sum | cut -c1-12)
  dir=$CE_TOP/$CE_BUILD/fixtures/$key
  mkdir -p "$dir"
  if [ ! -f "$dir/$name.img" ]; then
    ( flock 9; [ -f "$dir/$name.img" ] || \
        "$CE_TOP/tests/fixtures/make-fixture" "$name" "$dir/$name.img" >&2 ) 9>"$dir/.lock"
  fi
  echo "$dir/$name.img"
}

# A private writable copy of a fixture (sparse).
fixture_copy() {
  local src
  src=$(fixture "$1")
  cp --sparse=always "$src" "$TMP/$1.img"
  echo "$TMP/$1.img"
}

# free_tcp_port: a 127.0.0.1 port nobody listens on now (a server started on
# it fails loudly if it lost a race).
free_tcp_port() {
  local p
  for _ in $(seq 50); do
    p=$(shuf -i 20000-60999 -n 1)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  fail "no free TCP port on 127.0.0.1"
}

# content_sha FILE: SHA-256 over FILE's size and each data extent (offset,
# bytes), found with SEEK_DATA/SEEK_HOLE: it changes whenever a byte of the
# file changes, but reads only the MiB a sparse fixture holds, where
# sha256sum would read GiB of holes (minutes on a loaded machine).
content_sha() {
  python3 - "$1" <<'PY'
import hashlib, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
h = hashlib.sha256(str(size).encode())
off = 0
while off < size:
    try:
        data = os.lseek(fd, off, os.SEEK_DATA)
    except OSError:
        break
    hole = os.lseek(fd, data, os.SEEK_HOLE)
    h.update(b"@%d:" % data)
    pos = data
    while pos < hole:
        chunk = os.pread(fd, min(1 << 20, hole - pos), pos)
        if not chunk:
            break
        h.update(chunk)
        pos += len(chunk)
    off = hole
print(h.hexdigest())
PY
}
