# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for the prepare tests.  Source after tests/functions.sh.

# part_window IMG N: "start size" in bytes of partition N, from util-linux
# fdisk (not from our own code); a GPT found at byte 4096 means 4K sectors.
part_window() {
  local ss=512
  if [ "$(dd if="$1" bs=1 skip=512 count=8 status=none)" != "EFI PART" ] &&
     [ "$(dd if="$1" bs=1 skip=4096 count=8 status=none)" = "EFI PART" ]; then
    ss=4096
  fi
  fdisk -b "$ss" -l -o Device,Start,Sectors "$1" 2>/dev/null |
    awk -v n="$2" -v ss="$ss" '$1 ~ ("[^0-9]" n "$") { printf "%d %d\n", $2 * ss, $3 * ss }'
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

# put IMG N PATH FILE: replace file PATH in the NTFS volume of partition N
# with FILE, with ntfs-3g's ntfscp (test set-up only).
put() {
  local img=$1 n=$2 path=$3 file=$4 start size
  read -r start size < <(part_window "$img" "$n")
  dd if="$img" of="$TMP/put$n.ntfs" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
     conv=sparse status=none
  ntfscp -f "$TMP/put$n.ntfs" "$file" "$path" >/dev/null || fail "ntfscp $path failed"
  dd if="$TMP/put$n.ntfs" of="$img" bs=1M seek=$((start / 1048576)) conv=sparse,notrunc status=none
}

# tear_mirror IMG N: leave $MFTMirr of the NTFS volume in partition N
# different from $MFT, as a power cut between libntfs-3g's two writes of a
# first MFT record does: the mirror's copy of record 0 gets another log
# sequence number (bytes 8-15); $MFT stays intact.  Read with od from the
# boot sector (bytes per sector, sectors per cluster, $MFTMirr cluster).
tear_mirror() {
  local img=$1 n=$2 start size bps spc lcn
  read -r start size < <(part_window "$img" "$n")
  [ -n "$start" ] || fail "partition $n not found in $img"
  bps=$(od -An -tu2 -j $((start + 11)) -N2 "$img" | tr -d ' ')
  spc=$(od -An -tu1 -j $((start + 13)) -N1 "$img" | tr -d ' ')
  lcn=$(od -An -tu8 -j $((start + 56)) -N8 "$img" | tr -d ' ')
  [ "$spc" -gt 0 ] && [ "$spc" -le 128 ] || fail "partition $n: unexpected cluster size"
  printf '\x01\x02\x03\x04\x05\x06\x07\x08' |
    dd of="$img" bs=1 seek=$((start + lcn * bps * spc + 8)) conv=notrunc status=none
}

# part_sha IMG N: sha256 of the bytes of partition N.
part_sha() {
  local start size
  read -r start size < <(part_window "$1" "$2")
  dd if="$1" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) status=none | sha256sum
}

# mounts IMG N: does libntfs-3g (ntfsls, not our code) open partition N?
mounts() {
  local start size
  read -r start size < <(part_window "$1" "$2")
  dd if="$1" of="$TMP/m$2.ntfs" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
     conv=sparse status=none
  ntfsls "$TMP/m$2.ntfs" >/dev/null 2>&1
  local rc=$?
  rm -f "$TMP/m$2.ntfs"
  return $rc
}
