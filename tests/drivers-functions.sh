# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for the driver tests.  Source after functions.sh and
# prepare-functions.sh.

# drv_package DIR: a virtio-win-like package tree with stand-in files:
# each .sys a minimal amd64 PE (tests/fixtures/mkpe), the INF and catalog
# placeholder bytes (the INF facts are in tests/data/drivers/*.json).
drv_package() {
  local d=$1 m
  for m in vioscsi/2k22/amd64/vioscsi viostor/2k22/amd64/viostor NetKVM/2k22/amd64/netkvm; do
    mkdir -p "$d/$(dirname "$m")"
    "$FIXTOOLS/mkpe" "$d/$m.sys" x64 native || fail "mkpe $m.sys"
    printf '; stand-in for %s.inf (facts in tests/data/drivers)\r\n' "$(basename "$m")" >"$d/$m.inf"
    printf 'stand-in catalog %s\n' "$m" >"$d/$m.cat"
  done
  # Another OS folder of the same package: never staged for 2k22.
  mkdir -p "$d/vioscsi/2k19/amd64"
  printf 'other\n' >"$d/vioscsi/2k19/amd64/vioscsi.inf"
}

# drv_choices OUT PKGDIR [JQ-FILTER]: tests/data/drivers/virtio-choices.json
# pointing at PKGDIR, optionally transformed.
drv_choices() {
  jq --arg p "$2" "(.packages[] |= \$p) | ${3:-.}" \
    "$CE_TOP/tests/data/drivers/virtio-choices.json" >"$1" || fail "drv_choices"
}
