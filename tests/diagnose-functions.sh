# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for the ce-offline diagnose tests.  Source after tests/functions.sh.

# diagnose_json IMG OUT [ARGS...]: run diagnose --json on IMG (exit 0
# expected), the report in OUT.
diagnose_json() {
  local img=$1 out=$2
  shift 2
  expect_exit 0 "$CE_OFFLINE" diagnose --json "$@" "$img"
  cp "$TMP/out" "$out"
  jq -e . "$out" >/dev/null || fail "diagnose: stdout is not one JSON document"
}

# finding REPORT CODE: the first finding with CODE (JSON), or fail.
finding() {
  local f
  f=$(jq -c --arg c "$2" '[.findings[] | select(.code == $c)][0] // empty' "$1")
  [ -n "$f" ] || { jq -c '[.findings[].code]' "$1"; fail "no finding '$2'"; }
  printf '%s\n' "$f"
}

# evtx_oracle EVTX OUT: every record of EVTX as one TSV line
# "record<TAB>event id<TAB>source<TAB>level<TAB>time<TAB>string 1", read by
# evtxexport (libevtx-utils), not by our code.
evtx_oracle() {
  # A string may run over several lines: until the next "Name  : value"
  # line, lines continue string 1 (joined with \n, backslashes doubled,
  # CRs dropped: the escaping of jq's @tsv on the report's side).
  evtxexport "$1" 2>/dev/null | awk -F'\t+: ' '
    function flush() { if (rec != "") print rec "\t" id "\t" src "\t" lvl "\t" t "\t" s1; rec = ""; s1 = ""; in1 = 0 }
    function clean(x) { gsub(/\r/, "", x); gsub(/\\/, "\\\\", x); return x }
    /^[A-Z][A-Za-z0-9 :]*\t+: / || /^$/ { in1 = 0 }
    in1 { s1 = s1 "\\n" clean($0); next }
    /^Event number/ { flush(); rec = $2 }
    /^Written time/ { t = $2 }
    /^Event level/ { lvl = tolower($2); sub(/ \(.*/, "", lvl) }
    /^Source name/ { src = $2 }
    /^Event identifier/ { split($2, a, "[()]"); id = a[2] }
    /^String: 1\t/ { s1 = clean($2); in1 = 1 }
    END { flush() }' >"$2"
  [ -s "$2" ] || fail "evtxexport read no record from $1"
}

