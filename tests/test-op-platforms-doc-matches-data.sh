#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# docs/platforms.md shows exactly what offline-win/data/platforms.json
# holds: the generated part of the page is rebuilt from the data file with
# jq and must be identical.  `bash tests/test-op-platforms-doc-matches-data.sh
# --update` rewrites the page after a change to the data file.
. tests/functions.sh
requires jq

DATA=offline-win/data/platforms.json
DOC=docs/platforms.md
MARK='<!-- generated from offline-win/data/platforms.json: edit the data file, then run tests/test-op-platforms-doc-matches-data.sh --update -->'

generate() {
  jq -r '
    def cell: tostring | gsub("\\|"; "\\|") | gsub("\n"; " ");
    def what:
      if .action == "delete-all-values" then
        "delete every value" + (if .keep then " except " + (.keep | map("`" + . + "`") | join(", ")) else "" end)
      elif .action == "delete" then "delete"
      else "\(.type) `\(.data | tojson)`" end
      + (if .onlyIfKeyExists then " (only if the key exists)" else "" end)
      + (if .onlyIfValueExists then " (only if the value exists)" else "" end);
    def row: "| \(.hive) | `\(.key | cell)` | \(if .value then "`" + (.value | cell) + "`" else "" end) | \(what | cell) | \(.why | cell) | \(.source) |";
    def hdr: "| hive | key | value | change | why | source |\n|---|---|---|---|---|---|";
    . as $d
    | ($d.platforms | keys_unsorted) as $ps
    | "## Profiles (job field `platform`)\n",
      "| set | " + ($ps | join(" | ")) + " |",
      "|---|" + ($ps | map("---|") | join("")),
      ($d.sets | to_entries[] | .key as $k
        | "| \(.value.title) (`\($k)`) | " + ($ps | map(if ($d.platforms[.].use | index($k)) then "yes" else "-" end) | join(" | ")) + " |"),
      "",
      "## Sets\n",
      ($d.sets | to_entries[] | "### `\(.key)`: \(.value.title)\n", hdr, (.value.settings[] | row), ""),
      "## Remote Desktop (job field `enableRdp`)\n",
      hdr, ($d.rdp.settings[] | row), "",
      "Firewall: every value under `\($d.rdp.firewall.key)` whose `EmbedCtxt` is one of " +
        ($d.rdp.firewall.groups | map("`" + . + "`") | join(", ")) + " gets `Active=TRUE` (\($d.rdp.firewall.why); source: \($d.rdp.firewall.source)). Added when absent:\n",
      "| value | data | why | source |\n|---|---|---|---|",
      ($d.rdp.firewall.rules[] | "| `\(.name)` | `\(.data | cell)` | \(.why | cell) | \(.source) |"), "",
      "## Driver services checked (reported when missing, never installed)\n",
      "| platform | service | what | role | hardware IDs | in-box driver | only for | registry below the service key | sources |\n|---|---|---|---|---|---|---|---|---|",
      ($d.platforms | to_entries[] | .key as $p | .value.drivers[]
        | "| \($p) | `\(.service)` | \(.what | cell) | \(.role) | "
          + (.hardwareIds | map("`" + (. | cell) + "`") | join("<br>")) + " | "
          + (if .inbox then "`\(.inbox)`" else "-" end) + " | "
          + (if .variant then "`\(.variant)`: \(.when | cell)" else "-" end) + " | "
          + (if .registry then (.registry | map("`\(.key)\\\(.value)` \(.type) `\(.data | tojson)` (\(.why | cell); \(.source))") | join("<br>")) else "-" end) + " | "
          + "\(.source); IDs: \(.hardwareIdsSource)" + (if .inboxSource then "; in-box: \(.inboxSource)" else "" end) + " |"), "",
      "## Boot configuration (BCD, step `bcd`)\n",
      "Set on the store inspect finds, by bcdedit name; `{default}` is the default loader of the boot manager (`{current}` offline). The serial group applies when the job field `serialConsole` is true, or when it is absent and the platform default is yes; `serialConsole: false` applies the off rows instead (\($d.bcdSerialOff.why | cell); source: \($d.bcdSerialOff.source)). With no platform, `serialConsole: true` applies \($d.bcdSerialOn.settings | map("`" + .element + "`") | join(", ")) (COM1, 115200; source: \($d.bcdSerialOn.source)).\n",
      "| platform | serial console by default | group | object | element | value | why | source |\n|---|---|---|---|---|---|---|---|",
      ($d.platforms | to_entries[] | .key as $p | (.value.bcd.serialConsole | if . then "yes" else "no" end) as $dflt
        | ((.value.bcd.settings[] | [$p, $dflt, "always"] + [.]), (.value.bcd.serial[] | [$p, $dflt, "serial"] + [.]))
        | "| \(.[0]) | \(.[1]) | \(.[2]) | `\(.[3].object)` | `\(.[3].element)` | `\(.[3].value | tojson)` | \(.[3].why | cell) | \(.[3].source) |"),
      ($d.bcdSerialOff.settings[] | "| (any) | - | off | `\(.object)` | `\(.element)` | `\(.value | tojson)` | \(.why | cell) | \(.source) |"),
      "",
      "## Notes per platform\n",
      ($d.platforms | to_entries[] | .key as $p | .value.notes[] | "- \($p): \(. | cell)"), "",
      "## Sources\n",
      ($d.sources | to_entries[] | "- `\(.key)`: \(.value)")
  ' "$DATA"
}

if [ "${1:-}" = --update ]; then
  { sed "/^$(printf '%s' "$MARK" | sed 's/[][\/.*^$]/\\&/g')\$/q" "$DOC"; generate; } >"$TMP/new.md"
  grep -qF "$MARK" "$TMP/new.md" || fail "$DOC lacks the marker line"
  cp "$TMP/new.md" "$DOC"
  echo "updated $DOC"
  exit 0
fi

grep -qxF "$MARK" "$DOC" || fail "$DOC lacks the marker line"
sed -n "/^$(printf '%s' "$MARK" | sed 's/[][\/.*^$]/\\&/g')\$/,\$p" "$DOC" | tail -n +2 >"$TMP/have.md"
generate >"$TMP/want.md"
diff -u "$TMP/want.md" "$TMP/have.md" || fail "$DOC differs from $DATA: run $0 --update"
echo "ok: $DOC agrees with $DATA ($(wc -l <"$TMP/want.md") generated lines)"
