#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every symbol the kernel-config/ fragments name is in the final .config with
# the value the fragment asks for (kconfig silently drops a symbol whose
# dependencies are missing), nothing is a module, and the fragments only
# ask for built-ins.  The .config comes from scripts/kernel-build: the cached
# kernel's own, or the same merge run without building.
. tests/functions.sh
[ -f "${CE_KERNEL_SOURCE:-/usr/src/linux-source-6.1.tar.xz}" ] ||
  fail "linux-source-6.1 is not installed (scripts/install-deps)"
scripts/kernel-build --config "$TMP/config" || fail "scripts/kernel-build --config failed"

# check FRAGMENT CONFIG: print every mismatch, return 1 if any; adds the
# number of symbols it checked to $checked.
checked=0
check() {
  local frag=$1 config=$2 line sym want got bad=0
  while IFS= read -r line; do
    case $line in
      CONFIG_*=*) sym=${line%%=*} want=${line#*=} ;;
      "# CONFIG_"*" is not set") sym=${line#\# } sym=${sym%% *} want= ;;
      *) continue ;;
    esac
    checked=$((checked + 1))
    got=$(grep -E "^$sym=" "$config" | cut -d= -f2- || true)
    if [ "$got" != "$want" ]; then
      echo "$(basename "$frag"): $sym=${want:-(not set)}, but the final .config has ${got:-it unset}"
      bad=1
    fi
  done < "$frag"
  return $bad
}

# The checker can fail: a symbol kconfig does not know is reported.
printf 'CONFIG_CE_NO_SUCH_SYMBOL=y\n' > "$TMP/bogus.config"
check "$TMP/bogus.config" "$TMP/config" >/dev/null && fail "the checker missed a dropped symbol"
echo "ok: a dropped symbol is reported"
# ... and so is a symbol a fragment turns off that is on after the merge.
printf '# CONFIG_PRINTK is not set\n' > "$TMP/off.config"
check "$TMP/off.config" "$TMP/config" >/dev/null && fail "the checker missed a symbol left on"
echo "ok: a symbol left on against a fragment is reported"

bad=0 checked=0
for frag in kernel-config/*.config; do
  check "$frag" "$TMP/config" || bad=1
  grep -E '^CONFIG_[A-Z0-9_]+=[^y]' "$frag" && { echo "$frag: only =y (built-in) lines"; bad=1; }
done
[ "$bad" = 0 ] || fail "fragment symbols missing from the final .config"
echo "ok: all $checked fragment symbols are set"
expect_eq "$(grep -c '=m$' "$TMP/config" || true)" 0 "no modules"
grep -q '^# CONFIG_MODULES is not set' "$TMP/config" || fail "module support is on"
echo "ok: no module loader"
for s in CONFIG_KERNEL_LZ4 CONFIG_SERIAL_8250_CONSOLE CONFIG_EFI_STUB CONFIG_FW_CFG_SYSFS \
         CONFIG_HW_RANDOM_VIRTIO CONFIG_DMI_SYSFS; do
  grep -q "^$s=y" "$TMP/config" || fail "$s is not =y"
done
echo "ok: LZ4, serial console, EFI stub, fw_cfg, virtio-rng, DMI"
