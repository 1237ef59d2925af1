/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Binding a boot-critical driver to its devices before Plug and Play
 * runs, in the SYSTEM hive (docs/drivers.md, shared/DRIVERS.md 1.1-1.2):
 *
 *   Windows 7 / Server 2008 R2 and older: <CS>\Control\
 *   CriticalDeviceDatabase\<hwid, '\' -> '#'> with Service and ClassGUID.
 *
 *   Windows 8 / Server 2012 and later: a minimal package in the SYSTEM
 *   hive's DriverDatabase, as virt-v2v writes it (libguestfs-common
 *   mlcustomize/inject_virtio_win.ml): DriverInfFiles\<inf>,
 *   DriverPackages\<label> with the 48-byte Version value, its
 *   Configurations\<conf> and Descriptors\<hwid>, and DeviceIds\<hwid>.
 *   Our <inf> is "ce-<inf name>", never the real INF's name, so the real
 *   package pnputil installs at first boot does not collide with it and
 *   the runner can remove it afterwards (virt-v2v leaves its "guestor"
 *   package, which breaks pnputil /enum-drivers and in-place upgrades).
 *   The label has the shape of a real store name, <inf>_<arch>_<16 hex>
 *   (libguestfs-common commit da55dc4, RHEL-112517).  The Version value
 *   carries a zero date and version, as virt-v2v's does: the real package
 *   (same IDs, real DriverVer) then always ranks above it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "prepare.h"

#define STEP "drivers"
#define DDB  "DriverDatabase"
#define DDB_VERSION_LEN 48

/* ClassGUID text "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" in Windows'
 * byte order (Data1-3 little-endian, Data4 as written).  0 / -1. */
int
ow_drv_guid_bytes (const char *s, uint8_t out[16])
{
  static const int groups[] = { 8, 4, 4, 4, 12 };
  uint8_t raw[16];
  size_t at = 0;
  const char *p = s;

  if (s == NULL || *p++ != '{')
    return ow_err_invalid ("class GUID %s is not {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}",
                           s ? s : "(none)");
  for (int g = 0; g < 5; g++) {
    for (int d = 0; d < groups[g]; d += 2) {
      unsigned v;
      if (!isxdigit ((unsigned char) p[0]) || !isxdigit ((unsigned char) p[1])
          || sscanf (p, "%2x", &v) != 1)
        return ow_err_invalid ("class GUID %s is not a GUID", s);
      raw[at++] = (uint8_t) v;
      p += 2;
    }
    if (*p++ != (g < 4 ? '-' : '}'))
      return ow_err_invalid ("class GUID %s is not a GUID", s);
  }
  if (*p != '\0')
    return ow_err_invalid ("class GUID %s is not a GUID", s);
  out[0] = raw[3], out[1] = raw[2], out[2] = raw[1], out[3] = raw[0];
  out[4] = raw[5], out[5] = raw[4];
  out[6] = raw[7], out[7] = raw[6];
  memcpy (out + 8, raw + 8, 8);
  return 0;
}

/* DriverPackages\<label>\Version: 00 ff 09 00 00 00 00 00, the class GUID,
 * then the DriverVer FILETIME and version (zero here) and 8 zero bytes
 * (distrobuilder windows/repack_util.go GetDriverVersion; virt-v2v). */
int
ow_drv_version_blob (const char *class_guid, uint8_t out[DDB_VERSION_LEN])
{
  memset (out, 0, DDB_VERSION_LEN);
  out[1] = 0xff;
  out[2] = 0x09;
  return ow_drv_guid_bytes (class_guid, out + 8);
}

/* 64-bit FNV-1a: the label's 16 hex digits, stable for the same package
 * and INF, so a re-run plans the same keys. */
static uint64_t
fnv1a (const char *const *parts, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ULL;

  for (size_t i = 0; i < n; i++) {
    for (const char *p = parts[i] ? parts[i] : ""; *p; p++)
      h = (h ^ (uint8_t) *p) * 0x100000001b3ULL;
    h = (h ^ 0xff) * 0x100000001b3ULL;      /* separator */
  }
  return h;
}

/* "ce-viostor.inf" and its label "ce-viostor.inf_amd64_<16 hex>". */
int
ow_drv_bootstrap_names (const struct ow_drv_choice *c, const char *arch, char **inf,
                        char **label)
{
  const char *parts[] = { c->package, c->inf_path, c->driver_ver, c->install_section };
  uint64_t h = fnv1a (parts, sizeof parts / sizeof parts[0]);

  *inf = *label = NULL;
  if (asprintf (inf, "ce-%s", c->inf_name) == -1) {
    *inf = NULL;
    return ow_err (ENOMEM, "out of memory");
  }
  for (char *p = *inf; *p; p++)
    *p = (char) tolower ((unsigned char) *p);
  if (asprintf (label, "%s_%s_%016llx", *inf, arch, (unsigned long long) h) == -1) {
    free (*inf);
    *inf = *label = NULL;
    return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

/* A hardware ID as a key path below DeviceIds / Descriptors: the
 * enumerator, then the rest as one key ("PCI\VEN_1AF4&DEV_1001&REV_00").
 * An ID whose rest has another '\' cannot be one key: NULL, EINVAL. */
char *
ow_drv_hwid_key (const char *hwid)
{
  const char *bs = strchr (hwid, '\\');

  if (*hwid == '\0' || (bs && (bs == hwid || bs[1] == '\0' || strchr (bs + 1, '\\')))) {
    ow_err_invalid ("hardware ID %s cannot be a registry key", hwid);
    return NULL;
  }
  return strdup (hwid);
}

static int
set_sz (struct ow_plan *plan, struct ow_hive *hv, const char *key, const char *value,
        const char *s)
{
  return ow_plan_reg_set_string (plan, STEP, hv, "SYSTEM", key, value, OW_REG_SZ, s);
}

/* CriticalDeviceDatabase entries of SERVICE for HWIDS. */
int
ow_drv_bind_cdd (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *service,
                 const char *class_guid, char *const *hwids, size_t nhwids)
{
  for (size_t i = 0; i < nhwids; i++) {
    char *key = NULL;
    int r;

    if (asprintf (&key, "%s\\Control\\CriticalDeviceDatabase\\%s", ctx->control_set,
                  hwids[i]) == -1)
      return ow_err (ENOMEM, "out of memory");
    /* The key is one level: every '\' of the ID becomes '#'. */
    for (char *p = key + strlen (key) - strlen (hwids[i]); *p; p++)
      if (*p == '\\')
        *p = '#';
    r = set_sz (plan, ctx->system, key, "Service", service);
    if (r == 0)
      r = set_sz (plan, ctx->system, key, "ClassGUID", class_guid);
    free (key);
    if (r == -1)
      return -1;
  }
  return 0;
}

/* The DriverDatabase package of choice C for SERVICE.  *INF and *LABEL
 * get its names (for the runner's removal step). */
int
ow_drv_bind_ddb (struct ow_prep_ctx *ctx, struct ow_plan *plan, const struct ow_drv_choice *c,
                 const char *service, const char *arch, char **inf, char **label)
{
  static const uint8_t device_rank[4] = { 0x01, 0xff, 0x00, 0x00 };
  struct ow_hive *hv = ctx->system;
  uint8_t version[DDB_VERSION_LEN];
  char *conf = NULL, *key = NULL, *pkg = NULL;
  int r = -1;

  if (ow_drv_version_blob (c->class_guid, version) == -1
      || ow_drv_bootstrap_names (c, arch, inf, label) == -1)
    return -1;
  /* The configuration: the INF's install section, lower case, as
   * distrobuilder's exported packages name it ("scsi_inst"). */
  conf = strdup (c->install_section ? c->install_section : service);
  if (conf == NULL || asprintf (&pkg, DDB "\\DriverPackages\\%s", *label) == -1) {
    pkg = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  for (char *p = conf; *p; p++)
    *p = (char) tolower ((unsigned char) *p);
  {
    const char *one[] = { *label }, *confs[] = { conf };
    if (asprintf (&key, DDB "\\DriverInfFiles\\%s", *inf) == -1) {
      key = NULL;
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
    if (ow_plan_reg_set_multi (plan, STEP, hv, "SYSTEM", key, "", one, 1) == -1
        || set_sz (plan, hv, key, "Active", *label) == -1
        || ow_plan_reg_set_multi (plan, STEP, hv, "SYSTEM", key, "Configurations", confs, 1) == -1)
      goto out;
    free (key);
    key = NULL;
  }
  if (ow_plan_reg_set (plan, STEP, hv, "SYSTEM", pkg, "Version", OW_REG_BINARY, version,
                       sizeof version) == -1)
    goto out;
  if (asprintf (&key, "%s\\Configurations\\%s", pkg, conf) == -1) {
    key = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  if (ow_plan_reg_set_dword (plan, STEP, hv, "SYSTEM", key, "ConfigFlags", 0) == -1
      || set_sz (plan, hv, key, "Service", service) == -1)
    goto out;
  for (size_t i = 0; i < c->nhwids; i++) {
    char *id = ow_drv_hwid_key (c->hwids[i]), *dk = NULL, *desc = NULL;
    int rr;
    if (id == NULL)
      goto out;
    rr = asprintf (&dk, DDB "\\DeviceIds\\%s", id) == -1 ? -1
         : asprintf (&desc, "%s\\Descriptors\\%s", pkg, id) == -1 ? -1 : 0;
    if (rr == -1)
      ow_err (ENOMEM, "out of memory");
    else
      rr = ow_plan_reg_set (plan, STEP, hv, "SYSTEM", dk, *inf, OW_REG_BINARY, device_rank,
                            sizeof device_rank);
    if (rr == 0)
      rr = set_sz (plan, hv, desc, "Configuration", conf);
    free (id);
    free (dk);
    free (desc);
    if (rr == -1)
      goto out;
  }
  r = 0;
 out:
  free (conf);
  free (key);
  free (pkg);
  if (r == -1) {
    free (*inf);
    free (*label);
    *inf = *label = NULL;
  }
  return r;
}

/* The command the runner runs once pnputil installed the real package:
 * the bootstrap keys of INF / LABEL removed (absent ones are fine, so a
 * retried boot does not fail on what an earlier try removed). */
char *
ow_drv_unbind_command (const struct ow_drv_choice *c, const char *inf, const char *label)
{
  char *cmd = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&cmd, &len);

  if (f == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  fprintf (f, "\"%%SystemRoot%%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" "
           "-NoProfile -NonInteractive -Command \"$ErrorActionPreference='Stop'; "
           "$d='HKLM:\\SYSTEM\\" DDB "'; "
           "foreach ($k in @(\\\"$d\\DriverInfFiles\\%s\\\", \\\"$d\\DriverPackages\\%s\\\")) "
           "{ if (Test-Path -LiteralPath $k) { Remove-Item -LiteralPath $k -Recurse -Force } }; "
           "foreach ($k in @(", inf, label);
  for (size_t i = 0; i < c->nhwids; i++)
    fprintf (f, "%s'%s'", i ? ", " : "", c->hwids[i]);
  fprintf (f, ")) { $p=\\\"$d\\DeviceIds\\$k\\\"; if ((Test-Path -LiteralPath $p) -and "
           "$null -ne (Get-Item -LiteralPath $p).GetValue('%s')) { Remove-ItemProperty "
           "-LiteralPath $p -Name '%s' } }\"", inf, inf);
  if (fclose (f) != 0) {
    free (cmd);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  return cmd;
}
