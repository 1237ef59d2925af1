# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for the QEMU smoke tests (tests/test-smoke-*.sh) and the demo.
# Source after tests/functions.sh and tests/agent-functions.sh.
#
#   smoke_requires          skip (77) with CE_SKIP_QEMU=1; otherwise make sure
#                           QEMU and a current image exist, or FAIL
#   smoke_boot MODE ARGS..  boot the appliance (MODE bios|uefi) with the boot
#                           config on fw_cfg (not with SMOKE_NO_FWCFG=1: the
#                           test brings its own medium) and a hostfwd from a
#                           random 127.0.0.1 port to the agent's 443; extra
#                           QEMU args.  Machine type SMOKE_MACHINE: q35 (the
#                           default: PCIe, as modern clouds) or pc (i440fx:
#                           IDE, and PIIX PCI interrupt links, which TCG
#                           emulates slowly: about 0.4 s per PCI device)
#   smoke_wait_ready        CE-AGENT-READY on the serial log, then /v1/health
#                           200 through the hostfwd; sets AGENT_URL, AGENT_FP,
#                           SMOKE_READY_SECONDS (QEMU exec to first 200)
#   smoke_hmp CMD           one human-monitor command (socat on its socket)
#   smoke_wait_poweroff [S] QEMU must exit by itself (the VM powered off)
# Serial logs are copied to $CE_BUILD/test-logs/ and kept.
CE_IMAGE_DIR=${CE_IMAGE_DIR:-$CE_TOP/build/image}
CE_IMAGE=$CE_IMAGE_DIR/ce-appliance.raw
SMOKE_READY_TIMEOUT=${SMOKE_READY_TIMEOUT:-180}
SMOKE_MEM_MIB=${SMOKE_MEM_MIB:-1024}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}
SMOKE_LOG_DIR=$CE_TOP/$CE_BUILD/test-logs
QEMU_PID=

smoke_requires() {
  if [ "${CE_SKIP_QEMU:-0}" = 1 ]; then
    echo "CE_SKIP_QEMU=1: QEMU tests skipped"
    exit 77
  fi
  [ -f "$CE_TOP/agent/main.c" ] || { echo "ce-agent not built yet"; exit 77; }
  command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is missing (scripts/install-deps)"
  command -v socat >/dev/null || fail "socat is missing (scripts/install-deps)"
  # Build (or bring up to date) the image from the release tree it lives in;
  # the sanitizer build's variables must not leak into that make.
  if [ "${CE_SMOKE_NO_BUILD:-0}" != 1 ]; then
    local ibuild
    ibuild=$(dirname "$CE_IMAGE_DIR")
    echo "building the image (make BUILD=$ibuild image), log $TMP/make-image.log"
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE -u BUILD \
      make -C "$CE_TOP" --no-print-directory BUILD="$ibuild" SANITIZE=0 image \
      >"$TMP/make-image.log" 2>&1 || { tail -n 30 "$TMP/make-image.log"; fail "make image failed"; }
  fi
  [ -f "$CE_IMAGE" ] || fail "$CE_IMAGE is missing (make image)"
}

_smoke_accel() {
  case ${CE_QEMU_ACCEL:-tcg} in
    kvm) echo kvm ;;
    *) echo tcg ;;
  esac
}

# The guest CPU: CE_QEMU_CPU, else the host's under KVM and, under TCG,
# QEMU's default qemu64 plus 1 GiB pages (pdpe1gb), which every x86-64 CPU
# a cloud offers has.  Without them OVMF builds its page tables for the
# whole physical address space out of 2 MiB pages: 0.4-0.6 s of every
# emulated UEFI boot.  (`max`, libguestfs' choice under TCG, starts OVMF as
# fast but slows our kernel under OVMF by 0.5 s: docs/BENCHMARKS.md.)
_smoke_cpu() {
  if [ -n "${CE_QEMU_CPU:-}" ]; then echo "$CE_QEMU_CPU"
  elif [ "$(_smoke_accel)" = kvm ]; then echo host
  else echo qemu64,+pdpe1gb
  fi
}

smoke_boot() {
  local mode=$1; shift
  local firmware=() try
  SMOKE_MODE=$mode
  SERIAL_LOG=$TMP/serial-$mode.log
  SMOKE_MON=$TMP/monitor-$mode.sock
  [ -f "$AGENT_CONFIG" ] || write_config
  case $mode in
    bios) ;;
    uefi)
      [ -f "$OVMF_CODE" ] || fail "$OVMF_CODE is missing (apt-get install ovmf)"
      # A fresh variable store each boot: no boot entries, so the firmware
      # takes the removable-media path \EFI\BOOT\BOOTX64.EFI.
      cp "$OVMF_VARS" "$TMP/OVMF_VARS-$mode.fd"
      firmware=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
                -drive "if=pflash,format=raw,unit=1,file=$TMP/OVMF_VARS-$mode.fd") ;;
    *) fail "smoke_boot: mode bios|uefi" ;;
  esac
  local fwcfg=(-fw_cfg "name=opt/ce/config,file=$AGENT_CONFIG")
  [ "${SMOKE_NO_FWCFG:-0}" = 1 ] && fwcfg=()
  on_exit "_smoke_keep_logs"
  on_exit "_smoke_kill_qemu"
  for try in 1 2 3; do
    SMOKE_PORT=$(free_tcp_port)
    : > "$SERIAL_LOG"
    rm -f "$SMOKE_MON"
    SMOKE_T0=$(date +%s.%N)
    qemu-system-x86_64 -machine "${SMOKE_MACHINE:-q35},accel=$(_smoke_accel)" -m "$SMOKE_MEM_MIB" \
      -cpu "$(_smoke_cpu)" -smp "${SMOKE_SMP:-1}" -display none -no-user-config -nodefaults -no-reboot \
      "${firmware[@]}" \
      -serial "file:$SERIAL_LOG" \
      -monitor "unix:$SMOKE_MON,server=on,wait=off" \
      -drive "file=$CE_IMAGE,if=none,id=boot,format=raw,snapshot=on" \
      -device virtio-blk-pci,drive=boot,bootindex=0 \
      "${fwcfg[@]}" \
      -netdev "user,id=n0,restrict=off,hostfwd=tcp:127.0.0.1:$SMOKE_PORT-:443" \
      -device virtio-net-pci,netdev=n0 \
      -device virtio-rng-pci \
      "$@" >"$TMP/qemu-$mode.err" 2>&1 &
    QEMU_PID=$!
    sleep 0.5
    if kill -0 "$QEMU_PID" 2>/dev/null; then
      echo "qemu ($mode, ${SMOKE_MACHINE:-q35}, $(_smoke_accel), cpu $(_smoke_cpu)) pid $QEMU_PID, hostfwd 127.0.0.1:$SMOKE_PORT -> 443"
      return 0
    fi
    wait "$QEMU_PID" || true
    grep -q 'host forwarding' "$TMP/qemu-$mode.err" || { cat "$TMP/qemu-$mode.err"; fail "qemu did not start"; }
  done
  fail "qemu: no usable port after 3 tries"
}

_smoke_kill_qemu() {
  [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null || return 0
  kill "$QEMU_PID" 2>/dev/null
  wait "$QEMU_PID" 2>/dev/null || true
}

_smoke_keep_logs() {
  local name
  name=$(basename "$0" .sh)
  mkdir -p "$SMOKE_LOG_DIR"
  for f in "$TMP"/serial-*.log "$TMP"/qemu-*.err; do
    [ -f "$f" ] && cp "$f" "$SMOKE_LOG_DIR/$name-$(basename "$f")"
  done
  return 0
}

# The serial log without carriage returns.
smoke_serial() { tr -d '\r' < "$SERIAL_LOG"; }

_smoke_dump() {
  echo "--- serial log (last 60 lines; whole log in $SMOKE_LOG_DIR)"
  smoke_serial | tail -n 60
  echo "--- qemu stderr"; cat "$TMP/qemu-$SMOKE_MODE.err" 2>/dev/null || true
}

smoke_wait_ready() {
  local i line code
  # Follow the serial log as QEMU writes it (tail -F wakes on inotify; it
  # ends with QEMU or at the timeout), so the ready line is seen when it
  # lands, not at the next turn of a polling loop: the boot benchmark is
  # measured through this function.
  line=$(grep -a -m1 '^CE-AGENT-READY ' < <(exec timeout "$SMOKE_READY_TIMEOUT" \
           tail --pid="$QEMU_PID" -n +1 -F "$SERIAL_LOG" 2>/dev/null) | tr -d '\r' || true)
  if [ -z "$line" ]; then
    _smoke_dump
    kill -0 "$QEMU_PID" 2>/dev/null || fail "QEMU exited before CE-AGENT-READY"
    fail "no CE-AGENT-READY within ${SMOKE_READY_TIMEOUT}s"
  fi
  AGENT_FP=$(sed -n 's/^CE-AGENT-READY sha256=\([0-9a-f]*\) .*/\1/p' <<<"$line")
  [ ${#AGENT_FP} -eq 64 ] || fail "bad fingerprint in '$line'"
  grep -q ' port=443$' <<<"$line" || fail "the appliance agent must listen on 443: '$line'"
  AGENT_URL=https://127.0.0.1:$SMOKE_PORT
  AGENT_PORT=$SMOKE_PORT
  for ((i = 0; i < 600; i++)); do
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$AGENT_URL/v1/health" || true)
    [ "$code" = 200 ] && break
    sleep 0.02
  done
  [ "$code" = 200 ] || { _smoke_dump; fail "/v1/health through the hostfwd: HTTP $code"; }
  SMOKE_READY_SECONDS=$(awk -v s="$SMOKE_T0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
  echo "ok: agent ready, first 200 on /v1/health ${SMOKE_READY_SECONDS}s after QEMU exec"
}

# smoke_hmp COMMAND: run one monitor command, its output on stdout.
smoke_hmp() {
  printf '%s\n' "$1" | socat -t 2 - "UNIX-CONNECT:$SMOKE_MON" | tr -d '\r' |
    grep -av '^(qemu)' | grep -av '^QEMU .* monitor' || true
}

smoke_wait_poweroff() {
  local t=${1:-60} i
  for ((i = 0; i < t * 10; i++)); do
    kill -0 "$QEMU_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$QEMU_PID" 2>/dev/null; then
    _smoke_dump
    fail "the VM did not power itself off within ${t}s"
  fi
  wait "$QEMU_PID" || fail "qemu exited with status $?"
  QEMU_PID=
  echo "ok: the VM powered itself off"
}

# The job the smoke tests run (SMOKE_JOB_TYPE=inspect for the read-only path;
# smoke_job_doc has both documents).
SMOKE_JOB_TYPE=${SMOKE_JOB_TYPE:-prepare}

smoke_job_doc() {
  case $SMOKE_JOB_TYPE in
    inspect) jq -n --arg d "$1" '{type: "inspect", disk: $d}' ;;
    prepare) jq -n --arg d "$1" '{type: "prepare", disk: $d, platform: "azure",
                                   provisioningType: "Mcs", enableRdp: true}' ;;
    *) fail "SMOKE_JOB_TYPE: inspect or prepare" ;;
  esac
}

# smoke_wait_disk REF [SECONDS]: GET /v1/disks until the disk a job would
# address as REF (serial:S or lun:N, as a connector names it) is listed;
# $TMP/disks.json holds the listing.
smoke_wait_disk() {
  local ref=$1 t=${2:-60} i sel
  case $ref in
    serial:*) sel="select(.serial == \"${ref#serial:}\")" ;;
    lun:*) sel="select(.lun == ${ref#lun:})" ;;
    *) fail "smoke_wait_disk: serial:S or lun:N" ;;
  esac
  for ((i = 0; i < t * 2; i++)); do
    cectl --json disks > "$TMP/disks.json" || fail "cectl disks"
    jq -e ".disks[] | $sel" "$TMP/disks.json" >/dev/null && { echo "ok: disk $ref listed"; return 0; }
    sleep 0.5
  done
  cat "$TMP/disks.json"
  fail "disk $ref not listed after ${t}s"
}

# smoke_drive IMG REF: the connector's whole conversation with the CE (the
# disk addressed as REF: serial:S or lun:N), then the independent checks of
# the disk on the host.
smoke_drive() {
  local img=$1 ref=$2 facts=$1.facts.json id before after
  [ -f "$facts" ] || facts=$(fixture win2022-bios-vda).facts.json
  before=$(sha256sum < "$img")

  cectl --json info > "$TMP/info.json" || fail "cectl info"
  expect_eq "$(jq -r .platform "$TMP/info.json")" qemu "platform detected from DMI"
  expect_eq "$(jq -r .certificateFingerprint "$TMP/info.json" | sed 's/^sha256://')" \
            "$AGENT_FP" "info fingerprint = READY line"

  smoke_wait_disk "$ref"
  expect_eq "$(jq '.disks | length' "$TMP/disks.json")" 1 \
            "only the Windows disk is listed (the boot disk is hidden)"
  jq -c '.disks[0] | del(.partitions) | .inspect |= (if .windows then {windows: [.windows[] | {hostname, productName}]} else . end)' \
    "$TMP/disks.json"
  expect_eq "$(jq -r '.disks[0].inspect.windows[0].hostname' "$TMP/disks.json")" \
            "$(jq -r '.windows[0].hostname' "$facts")" "inspect summary in the disk list"
  cectl disks > "$TMP/disks.txt" || fail "cectl disks (text)"

  smoke_job_doc "$ref" > "$TMP/job.json"
  id=$(cectl job start "$TMP/job.json") || fail "cectl job start"
  echo "job $id ($SMOKE_JOB_TYPE)"
  cectl job wait "$id" || { cectl job log "$id" || true; fail "job $id did not complete"; }
  cectl --json job get "$id" > "$TMP/job-result.json" || fail "cectl job get"
  expect_eq "$(jq -r .status "$TMP/job-result.json")" complete "job status"
  SMOKE_JOB_RESULT=$TMP/job-result.json

  cectl complete > "$TMP/complete.out" || fail "cectl complete"
  smoke_wait_poweroff 90
  smoke_serial | grep -aq 'kernel panic\|Kernel panic' && fail "kernel panic on the serial log"

  # The disk, checked on the host by tools that are not ours.
  after=$(sha256sum < "$img")
  if [ "$SMOKE_JOB_TYPE" = inspect ]; then
    expect_eq "$after" "$before" "an inspect job leaves the disk byte for byte unchanged"
    expect_eq "$(jq -r '.result.windows[0].hostname // .result.inspect.windows[0].hostname' \
                "$TMP/job-result.json")" "$(jq -r '.windows[0].hostname' "$facts")" "job result hostname"
  fi
  smoke_check_disk_on_host "$img" "$facts"
}

# libguestfs inspection and hivexget agree with the facts (and, after a
# prepare, with every registry change the job result lists).
smoke_check_disk_on_host() {
  local img=$1 facts=$2 cs
  export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
  virt-inspector --format=raw -a "$img" > "$TMP/vi.xml" 2>"$TMP/vi.err" ||
    { cat "$TMP/vi.err"; fail "virt-inspector failed on the disk after the job"; }
  vi() { xmllint --xpath "string(/operatingsystems/operatingsystem[1]/$1)" "$TMP/vi.xml"; }
  expect_eq "$(vi name)" windows "libguestfs still sees Windows"
  expect_eq "$(vi product_name)" "$(jq -r '.windows[0].productName' "$facts")" "libguestfs product name"
  guestfish --ro --format=raw -a "$img" -i download /Windows/System32/config/SYSTEM "$TMP/SYSTEM" \
    2>"$TMP/gf.err" || { cat "$TMP/gf.err"; fail "guestfish could not read the SYSTEM hive"; }
  cs=$(jq -r '.windows[0].currentControlSet' "$facts")
  expect_eq "$(hivexget "$TMP/SYSTEM" "\\$cs\\Control\\ComputerName\\ComputerName" ComputerName)" \
            "$(jq -r '.windows[0].hostname' "$facts")" "hivexget: the SYSTEM hive still opens, hostname"
  if [ "$SMOKE_JOB_TYPE" = prepare ]; then
    jq -e '.result.changes | length > 0' "$SMOKE_JOB_RESULT" >/dev/null ||
      fail "the prepare job lists no change (RDP was off on the fixture)"
    smoke_check_changes "$img"
  fi
}

# After a prepare: every REG_SZ / REG_DWORD value the result says it set
# reads back with hivexget (result schema: docs/ce-offline.md).
smoke_check_changes() {
  local img=$1 n i hive key value new f sel
  sel='[.result.changes[] | select(.kind == "registry-set" and (.type == "REG_SZ" or .type == "REG_DWORD"))]'
  n=$(jq "$sel | length" "$SMOKE_JOB_RESULT")
  for ((i = 0; i < n; i++)); do
    field() { jq -r --argjson i "$i" "$sel[\$i] | .$1 | tostring" "$SMOKE_JOB_RESULT"; }
    hive=$(field hive) key=$(field key) value=$(field value) new=$(field new)
    f=$TMP/hive-$hive
    [ -f "$f" ] || guestfish --ro --format=raw -a "$img" -i \
      download "/Windows/System32/config/$hive" "$f" || fail "guestfish could not read $hive"
    expect_eq "$(hivexget "$f" "\\$key" "$value")" "$new" "hivexget $hive\\$key $value"
  done
  [ "$n" -gt 0 ] || fail "no REG_SZ/REG_DWORD change to read back"
  echo "ok: $n registry changes read back with hivexget"
}
