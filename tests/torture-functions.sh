# SPDX-License-Identifier: GPL-3.0-or-later
# The set-up every whole-job torture shares.  Source after functions.sh.
# torture_setup: $TORTURE (tests/fixtures/prepare-torture), $work
# (ram_workdir), $work/template.img (the win2022-bios-vda fixture) and
# $TMP/job.json, a full prepare: three hives edited, first-boot files
# created.
torture_setup() {
  TORTURE=$FIXTOOLS/prepare-torture
  [ -x "$TORTURE" ] || fail "$TORTURE is missing (make test-progs)"
  ram_workdir torture
  cp --sparse=always "$(fixture win2022-bios-vda)" "$work/template.img"
  cat > "$TMP/job.json" <<'EOF_JOB'
{"type":"prepare","platform":"azure","provisioningType":"Mcs","pagefile":"system",
 "xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc9.corp.example.com"},
                  {"ParameterName":"enable_hdx_ports","ParameterValue":"true"}],
 "domainUnjoin":true,"enableRdp":true}
EOF_JOB
}
