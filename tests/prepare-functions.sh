# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for the prepare tests.  Source after tests/functions.sh.

# part_window IMG N: "start size" in bytes of partition N (from sfdisk,
# not from our own code).
part_window() {
  sfdisk --json "$1" | jq -r --argjson n "$2" '
    .partitiontable as $t | ($t.sectorsize // 512) as $ss
    | $t.partitions[] | select(.node | test("[^0-9]\($n)$"))
    | "\(.start * $ss) \(.size * $ss)"'
}

# extract IMG N PATH OUT: copy file PATH out of the NTFS volume in
# partition N with ntfs-3g's own tools (independent of libofflinewin).
extract() {
  local img=$1 n=$2 path=$3 out=$4 start size
  read -r start size < <(part_window "$img" "$n")
  [ -n "$start" ] || fail "partition $n not found in $img"
  dd if="$img" of="$TMP/part$n.ntfs" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
     conv=sparse status=none
  ntfscat "$TMP/part$n.ntfs" "$path" > "$out" || fail "ntfscat $path failed"
}

# job FILE JSON: write a job document.
job() { printf '%s\n' "$2" > "$1"; }

# check_changes_with_hivexget IMG N RESULT.json: every registry-set change
# in the result reads back through hivexget with the new value.
check_changes_with_hivexget() {
  local img=$1 n=$2 res=$3 hive key value type want got count=0
  for hive in SYSTEM SOFTWARE SECURITY; do
    jq -e --arg h "$hive" '[.changes[] | select(.hive == $h)] | length > 0' "$res" >/dev/null || continue
    extract "$img" "$n" "Windows/System32/config/$hive" "$TMP/$hive.after"
    while IFS=$'\x1f' read -r key value type want; do
      case $type in
        REG_DWORD) got=$(hivexget "$TMP/$hive.after" "$key" "$value" | tr -d '\n') ;;
        REG_SZ|REG_EXPAND_SZ) got=$(hivexget "$TMP/$hive.after" "$key" "$value" | tr -d '\n') ;;
        REG_MULTI_SZ) got=$(hivexget "$TMP/$hive.after" "$key" "$value" | tr '\n' '|' | sed 's/|*$//') ;;
        *) got=$(hivexsh -w "$TMP/$hive.after" <<<"cd $key
lsval" 2>/dev/null | grep -i "^\"${value:-@}\"=" | head -1 |
               sed -E 's/^[^=]*=//; s/^hex\([0-9a-f]+\)://; s/,//g; s/^/hex:/') ;;
      esac
      [ "$got" = "$want" ] || fail "$hive\\$key : $value: hivexget says '$got', plan said '$want'"
      count=$((count + 1))
    done < <(jq -r --arg h "$hive" '.changes[] | select(.hive == $h and .kind == "registry-set")
               | [.key, .value, .type,
                  (if (.new | type) == "array" then (.new | join("|"))
                   elif (.new | type) == "string" and (.new | startswith("hex:")) then .new
                   else (.new | tostring) end)] | join("\u001f")' "$res")
  done
  echo "ok: $count registry values read back with hivexget as planned"
}
