# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers of the libFuzzer tests (tests/test-fuzz-*.sh) and of `make
# fuzz-long` (tests/fuzz/run-long).  Source after tests/functions.sh.
#   fuzz_require_libfuzzer      skip (77) only when clang cannot link -fsanitize=fuzzer at all
#   fuzz_build TARGET           build $CE_BUILD/fuzz/fuzz-TARGET; a failure FAILS the test
#   fuzz_seeds TARGET DIR       the seed corpus: tests/fuzz/corpus/TARGET/ (committed:
#                               hand-made seeds, inputs that once crashed) plus seeds
#                               made from the fixtures and tests/data
#   fuzz_run TARGET DIR ARGS... run the fuzzer on DIR; a crash, leak or timeout FAILS
#   fuzz_check TARGET           all of the above, FUZZ_RUNS (per target) runs: a test
FUZZ_CC=${FUZZ_CC:-clang}

fuzz_require_libfuzzer() {
  command -v "$FUZZ_CC" >/dev/null 2>&1 || { echo "requires $FUZZ_CC"; exit 77; }
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }' \
    >"$TMP/trivial-fuzzer.c"
  "$FUZZ_CC" -fsanitize=fuzzer -o "$TMP/trivial-fuzzer" "$TMP/trivial-fuzzer.c" \
    >"$TMP/trivial-fuzzer.log" 2>&1 ||
    { cat "$TMP/trivial-fuzzer.log"; echo "$FUZZ_CC has no libFuzzer (-fsanitize=fuzzer)"; exit 77; }
}

fuzz_build() {
  make --no-print-directory -s BUILD="$CE_BUILD" FUZZ_CC="$FUZZ_CC" "$CE_BUILD/fuzz/fuzz-$1" \
    >"$TMP/build-$1.log" 2>&1 ||
    { cat "$TMP/build-$1.log"; fail "the libFuzzer target fuzz-$1 does not build"; }
}

# FILE with its trailing zero bytes cut (the FAT and NTFS harnesses give a
# volume back the size its boot sector claims).
_fuzz_trim() {
  perl -0777 -pe 's/\0+\z//' "$1"
}

# STRING as REG_SZ data: UTF-16LE with the terminating NUL.
_fuzz_utf16() {
  perl -CS -e 'binmode STDOUT; print pack("v*", map { ord } split //, $ARGV[0]), "\0\0"' "$1"
}

fuzz_seeds() {
  local t=$1 dir=$2 i=0 f
  mkdir -p "$dir"
  if [ -d "tests/fuzz/corpus/$t" ]; then cp tests/fuzz/corpus/"$t"/* "$dir"/; fi
  case $t in
    hivelog)
      requires perl
      for d in NewDirtyHive1/NewDirtyHive OldDirtyHive/OldDirtyHive BadLogHive1/BadLogHive; do
        local base=tests/data/dirty-hives/$d
        for f in "" .LOG1 .LOG2; do xz -dc "$base$f.xz" >"$TMP/h$f"; done
        # Layout: flags byte, primary length, LOG1 length (LE), then the files.
        perl -e 'print pack("CVV", 1, -s $ARGV[0], -s $ARGV[1])' "$TMP/h" "$TMP/h.LOG1" \
          >"$dir/${d%%/*}"
        cat "$TMP/h" "$TMP/h.LOG1" "$TMP/h.LOG2" >>"$dir/${d%%/*}"
      done ;;
    ptable)
      for f in win2022-bios-vda win11-uefi-vda; do
        head -c 65536 "$(fixture "$f")" >"$dir/$f"
      done
      # The ESP of the GPT fixture starts at 1 MiB.
      dd if="$(fixture win11-uefi-vda)" of="$dir/esp" bs=64K skip=16 count=1 status=none ;;
    gpo-ini)
      # The local GPO files of tests/test-op-firstboot-stages-runner-once.sh
      # and of the unit test, in each encoding Windows writes them in.
      requires iconv
      printf '[Startup]\r\n0CmdLine=C:\\Tools\\setup.cmd\r\n0Parameters=/quiet\r\n' >"$TMP/s.ini"
      cp "$TMP/s.ini" "$dir/scripts-ansi.ini"
      { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$TMP/s.ini"; } >"$dir/scripts-utf16.ini"
      { printf '\xef\xbb\xbf'; cat "$TMP/s.ini"; } >"$dir/scripts-utf8bom.ini"
      printf '[General]\r\ngPCMachineExtensionNames=[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{0F6B957D-509E-11D1-A7CC-0000F87571E3}]\r\nVersion=65538\r\n' \
        >"$dir/gpt-other-ext.ini"
      printf '[General]\r\ngPCFunctionalityVersion=2\r\ngPCMachineExtensionNames=[{42B5FAAE-6536-11D2-AE5A-0000F87571E3}{40B6664F-4972-11D1-A7CA-0000F87571E3}]\r\nVersion=1\r\n' \
        >"$dir/gpt-ours.ini" ;;
    fw-rule)
      # Every rule string the project knows: the data file's rules and the
      # FirewallRules values of the fixture registries.
      requires jq
      { jq -r '.rdp.firewall.rules[].data' offline-win/data/platforms.json
        grep -h '^"[^"]*"="v2\.' tests/fixtures/reg/*.reg | sed 's/^"[^"]*"="//; s/"$//; s/\\\\/\\/g'
      } | while IFS= read -r f; do _fuzz_utf16 "$f" >"$dir/rule$((i++))"; done ;;
    fat)
      # FAT12, FAT16 and FAT32 volumes (the type follows the cluster count;
      # the FAT32 one has a single FAT to stay a small input)
      # with an ESP's boot files, long names among them, as make-fixture
      # builds the ESP.
      requires mkfs.fat; requires mmd; requires mcopy
      printf 'bcd' >"$TMP/BCD"
      local spec
      for spec in 12:2:2 16:8:2 32:34:1; do
        local bits=${spec%%:*} mib size img=$TMP/fat.img
        mib=${spec#*:}; mib=${mib%%:*}
        size=$((mib * 1048576))
        rm -f "$img"; truncate -s "$size" "$img"
        mkfs.fat -F "$bits" -f "${spec##*:}" -s 1 -S 512 -n ESP "$img" >/dev/null
        MTOOLS_SKIP_CHECK=1 mmd -i "$img" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot ::/EFI/Boot \
          ::/EFI/Microsoft/Boot/Fonts
        MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$TMP/BCD" ::/EFI/Microsoft/Boot/BCD
        MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$TMP/BCD" ::/EFI/Boot/bootx64.efi
        MTOOLS_SKIP_CHECK=1 mcopy -i "$img" "$TMP/BCD" ::/EFI/Microsoft/Boot/Fonts/wgl4_boot.ttf
        _fuzz_trim "$img" >"$dir/fat$bits"
      done ;;
    ntfs-names)
      # A small volume made like the fixtures' (mkntfs, then ntfs-populate
      # through libntfs-3g) with the engine's paths and names of every kind:
      # long, non-ASCII, one beyond the BMP, many in one directory (so the
      # index needs an allocation block).
      requires mkntfs
      [ -x "$FIXTOOLS/ntfs-populate" ] || fail "$FIXTOOLS/ntfs-populate missing (make test-progs)"
      local tree=$TMP/tree img=$TMP/ntfs.img
      mkdir -p "$tree/Windows/System32/config" "$tree/ProgramData/CE-Appliance/firstboot" \
        "$tree/Documents and Settings" "$tree/Ünïcödé 日本語" "$tree/many"
      : >"$tree/Windows/System32/config/SYSTEM"
      : >"$tree/Windows/System32/config/SYSTEM.LOG1"
      : >"$tree/ProgramData/CE-Appliance/firstboot/steps.json"
      : >"$tree/Ünïcödé 日本語/😀.txt"
      : >"$tree/A file name longer than the eight dot three form.txt"
      for f in $(seq 1 40); do : >"$tree/many/entry-$f"; done
      rm -f "$img"; truncate -s 2M "$img"
      mkntfs -F -q -f -s 512 -c 512 -H 1 -S 1 -p 0 "$img" >/dev/null 2>&1 ||
        fail "mkntfs of the seed volume"
      "$FIXTOOLS/ntfs-populate" "$img" "$tree" || fail "ntfs-populate of the seed volume"
      # Without the backup boot sector (the last one) the trailing zeros go.
      truncate -s -512 "$img"
      _fuzz_trim "$img" >"$dir/volume" ;;
    drvpkg)
      # A small package in every packing pkg.c reads (a tree laid out like
      # the virtio-win ISO, a hard link among it), and small bad ones.
      requires python3; requires xorriso
      local tree=$TMP/drvtree
      mkdir -p "$tree/viostor/2k22/amd64" "$tree/NetKVM/w11/ARM64"
      printf '[Version]\r\nSignature="$Windows NT$"\r\nCatalogFile=viostor.cat\r\n' \
        >"$tree/viostor/2k22/amd64/viostor.inf"
      printf 'MZ stand-in' >"$tree/viostor/2k22/amd64/viostor.sys"
      printf 'catalog' >"$tree/viostor/2k22/amd64/viostor.cat"
      ln "$tree/viostor/2k22/amd64/viostor.sys" "$tree/NetKVM/w11/ARM64/netkvm.sys"
      (cd "$tree" && zip -qrX "$dir/pkg.zip" . && tar -cf "$dir/pkg.tar" . &&
        tar -czf "$dir/pkg.tar.gz" . && tar -cJf "$dir/pkg.tar.xz" .)
      xorriso -as mkisofs -quiet -no-pad -J -R -o "$dir/pkg.iso" "$tree" 2>/dev/null
      python3 tests/drivers-bad-packages.py "$dir" dotdot.tar drive-letter.zip symlink.tar \
        hardlink-unlisted.tar same-name-two-cases.zip total-too-large.zip ;;
    inf)
      # The real INFs of the unit test (virtio-win, gVNIC, XenServer; one in
      # UTF-16LE) plus the hand-made corner cases committed here.
      find tests/data/drivers/inf -name '*.inf' -not -path '*/src/*' |
        while IFS= read -r f; do cp "$f" "$dir/$(echo "${f#tests/data/drivers/inf/}" | tr / _)"; done ;;
    evtx)
      # The file header and first 64 KiB chunk of each real System log
      # (tests/data/evtx): whole logs are a MiB, too large to mutate fast.
      for f in tests/data/evtx/*.evtx.xz; do
        xz -dc "$f" >"$TMP/seed.evtx"
        head -c $((4096 + 65536)) "$TMP/seed.evtx" >"$dir/$(basename "$f" .evtx.xz)"
      done ;;
    bcd)
      # Every element of the real BCD store and of a fixture's store, as
      # id, registry type, application kind, bytes (tests/fuzz/fuzz-bcd.c).
      requires hivexregedit; requires perl
      xz -dc tests/data/real-hives/BCD.xz >"$TMP/BCD"
      hivexregedit --export "$TMP/BCD" '\' | perl -ne '
        BEGIN { $n = 0 } s/\r//;
        if (/^\[\\Objects\\(\{[^}]+\})\\Elements\\([0-9a-fA-F]{8})\]/) { $id = hex $2; next }
        if (/^\[\\Objects\\(\{[^}]+\})\\Description\]/) { $id = undef; next }
        if (/^"Type"=dword:([0-9a-f]+)/) { $app = hex($1) & 0xFFFFF; $app = 0 if $app > 5; next }
        if (defined $id && /^"Element"=hex\((\d+)\):(.*)/) {
          my ($t, $h) = ($1, $2); $h =~ s/[,\\\s]//g;
          open my $f, ">", "$ARGV[0]/el" . $n++ or die; binmode $f;
          print $f pack("VCC", $id, $t, $app), pack("H*", $h); close $f;
        }' - "$dir" 2>/dev/null || true
      # hivexregedit wraps long hex lines: the seeds above are the short
      # ones; a device of an unknown kind is added by hand.
      perl -e 'print pack("VCC", 0x11000001, 3, 2), "\0" x 16, pack("V", 99), "\0" x 68' \
        >"$dir/device-unknown-kind" ;;
    agent-jobdoc) ;;  # committed seeds only
    *) fail "fuzz_seeds: unknown target $t" ;;
  esac
  [ -n "$(ls -A "$dir")" ] || fail "no seed for fuzz-$t"
}

fuzz_run() {
  local t=$1 dir=$2; shift 2
  "$CE_TOP/$CE_BUILD/fuzz/fuzz-$t" -print_final_stats=1 "$@" "$dir" >"$TMP/fuzz-$t.log" 2>&1 ||
    { tail -n 40 "$TMP/fuzz-$t.log"; fail "fuzz-$t found a crash, a leak or a timeout"; }
  grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$TMP/fuzz-$t.log" ||
    { tail -n 20 "$TMP/fuzz-$t.log"; fail "fuzz-$t did not run"; }
}

# Per target: the runs `make check` does (a count, not a time, so that a
# slow machine runs the same inputs; each takes seconds here) and the
# options of every run (inputs as large as the seeds).
fuzz_runs() {
  case $1 in
    fw-rule) echo 200000 ;;
    bcd) echo 100000 ;;
    agent-jobdoc) echo 20000 ;;
    gpo-ini) echo 10000 ;;
    inf) echo 2000 ;;
    hivelog|ptable) echo 2000 ;;
    fat) echo 1000 ;;
    ntfs-names) echo 1000 ;;
    drvpkg) echo 2000 ;;
    evtx) echo 2000 ;;
  esac
}
fuzz_opts() {
  case $1 in
    hivelog) echo -max_len=400000 -rss_limit_mb=2048 ;;
    ptable) echo -max_len=65536 ;;
    agent-jobdoc|fw-rule|gpo-ini|bcd) echo -max_len=4096 ;;
    inf) echo -max_len=32768 ;;
    fat) echo -max_len=400000 ;;
    ntfs-names) echo -max_len=2097152 ;;
    drvpkg) echo -max_len=131072 -rss_limit_mb=2048 ;;
    evtx) echo -max_len=70000 ;;
  esac
}

fuzz_check() {
  local t=$1
  fuzz_require_libfuzzer
  fuzz_build "$t"
  fuzz_seeds "$t" "$TMP/corpus"
  # shellcheck disable=SC2046
  fuzz_run "$t" "$TMP/corpus" -runs="${CE_FUZZ_RUNS:-$(fuzz_runs "$t")}" $(fuzz_opts "$t")
}
