# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for the ce-offline inspect tests.  Source after tests/functions.sh.

# inspect_fixture NAME WANT_EXIT: build fixture NAME, run inspect --json on
# it, check the exit code; the document is left in $TMP/NAME.json and the
# fixture's ground truth in $TMP/NAME.facts.json.
inspect_fixture() {
  local name=$1 want=$2 img
  img=$(fixture "$name")
  cp "$img.facts.json" "$TMP/$name.facts.json"
  expect_exit "$want" "$CE_OFFLINE" inspect --json "$img"
  cp "$TMP/out" "$TMP/$name.json"
  cp "$TMP/err" "$TMP/$name.err"
  jq -e . "$TMP/$name.json" >/dev/null || fail "$name: stdout is not one JSON document"
}

# check_facts NAME: every fact the generator recorded about each Windows
# installation and the partition layout must be what inspect reports.
check_facts() {
  local name=$1 doc=$TMP/$1.json facts=$TMP/$1.facts.json n i
  expect_eq "$(jq -r .partitionTable.scheme "$doc")" "$(jq -r .layout.scheme "$facts")" "$name: scheme"
  expect_eq "$(jq -r '.partitions | map(select(.role != "extended")) | map([.number, .start, .size]) | tostring' "$doc")" \
            "$(jq -r '.layout.partitions | map([.number, .start, .size]) | tostring' "$facts")" \
            "$name: partitions (number, start, size)"
  if [ "$(jq -r .layout.scheme "$facts")" = mbr ]; then
    expect_eq "$(jq -r .partitionTable.diskSignature "$doc")" "$(jq -r .layout.diskSignature "$facts")" \
              "$name: MBR disk signature"
  fi
  n=$(jq '.windows | length' "$facts")
  expect_eq "$(jq '.windows | length' "$doc")" "$n" "$name: number of Windows installations"
  for ((i = 0; i < n; i++)); do
    # Pairs of [what, reported, expected]; the expected side maps the
    # generator's names onto ours.
    jq -r --slurpfile f "$facts" --argjson i "$i" '
      .windows[$i] as $w | $f[0].windows[$i] as $x |
      [ ["partition", $w.partition, $x.partition],
        ["systemRoot", $w.systemRoot, $x.systemroot],
        ["productName", $w.productName, $x.productName],
        ["editionId", $w.editionId, $x.editionId],
        ["installationType", $w.installationType, $x.installationType],
        ["build", $w.build, ($x.build | tostring)],
        ["majorVersion", $w.majorVersion, $x.majorVersion],
        ["minorVersion", $w.minorVersion, $x.minorVersion],
        ["displayVersion", $w.displayVersion, $x.displayVersion],
        ["arch", $w.arch, $x.arch],
        ["currentControlSet", $w.currentControlSet, $x.currentControlSet],
        ["hostname", $w.hostname, $x.hostname],
        ["domain joined", $w.domain.joined, $x.domainJoined],
        ["DNS domain", (if $w.domain.joined then $w.domain.dnsName else null end), $x.domain],
        ["NetBIOS domain", $w.domain.netbiosName, $x.netbiosDomain],
        ["workgroup", $w.domain.workgroup, $x.workgroup],
        ["driveLetter", $w.driveLetter, (if $x.driveLetter then $x.driveLetter + ":" else null end)],
        ["VDA version", $w.vda.version, $x.vdaVersion],
        ["listOfDDCs", ($w.vda.listOfDDCs // []), $x.listOfDDCs],
        ["pagingFiles", $w.pagefile.pagingFiles, ($x.pagingFiles | map(select(. != "")))],
        ["hiberbootEnabled", $w.hiberbootEnabled, $x.hiberbootEnabled],
        ["BCD partition", $w.bcd.partition, $x.bcdPartition],
        ["BCD path", $w.bcd.path, $x.bcdPath] ]
      | .[] | "\(.[0])\t\(.[1] | tojson)\t\(.[2] | tojson)"' "$doc" > "$TMP/pairs"
    while IFS=$'\t' read -r what got want; do
      expect_eq "$got" "$want" "$name: windows[$i].$what"
    done < "$TMP/pairs"
    [ -s "$TMP/pairs" ] || fail "$name: no facts compared"
  done
}

# expect_problem NAME CODE: the verdict lists CODE, and stderr explains it.
expect_problem() {
  local name=$1 code=$2
  expect_eq "$(jq -r .verdict.writable "$TMP/$name.json")" false "$name: verdict.writable"
  expect_eq "$(jq -r --arg c "$code" '[.verdict.problems[] | select(.code == $c)] | length > 0' "$TMP/$name.json")" \
            true "$name: problem $code listed"
  [ -s "$TMP/$name.err" ] || fail "$name: nothing on stderr"
}
