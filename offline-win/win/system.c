/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Facts from the SYSTEM hive: current control set, names, pagefile,
 * Fast Startup, and drive letters (MountedDevices). */
#include <stdio.h>
#include <stdlib.h>

#include "win.h"

/* Control sets are ControlSet001..ControlSet999. */
#define MAX_CONTROL_SET 999

static char *
cs_path (struct ow_win_ctx *c, const char *rest)
{
  char *p = NULL;
  if (asprintf (&p, "%s\\%s", c->control_set, rest) == -1)
    return NULL;
  return p;
}

static char *
cs_string (struct ow_win_ctx *c, const char *key, const char *value)
{
  char *path = cs_path (c, key), *s = NULL;

  if (path == NULL || ow_hive_get_string (c->system, path, value, &s) <= 0)
    s = NULL;
  free (path);
  return s;
}

static json_t *
cs_multi (struct ow_win_ctx *c, const char *key, const char *value)
{
  char *path = cs_path (c, key), **v = NULL;
  json_t *a;

  if (path == NULL || ow_hive_get_multi_string (c->system, path, value, &v) <= 0)
    v = NULL;
  free (path);
  a = ow_json_strv (v);
  ow_strv_free (v);
  return a;
}

static int
find_control_set (struct ow_win_ctx *c)
{
  uint32_t cur;
  int r = ow_hive_get_dword (c->system, "Select", "Current", &cur);

  if (r <= 0 || cur == 0 || cur > MAX_CONTROL_SET) {
    ow_win_problem (c->problems, "no-control-set",
                    "SYSTEM hive: Select\\Current is missing or invalid");
    return 0;
  }
  if (asprintf (&c->control_set, "ControlSet%03u", cur) == -1) {
    c->control_set = NULL;
    return ow_err (ENOMEM, "out of memory");
  }
  if (ow_hive_key_exists (c->system, c->control_set) != 1) {
    ow_win_problem (c->problems, "no-control-set",
                    "SYSTEM hive: Select\\Current names %s, which does not exist",
                    c->control_set);
    free (c->control_set);
    c->control_set = NULL;
  }
  return 0;
}

/* MountedDevices data for an MBR volume: 4-byte disk signature + 8-byte
 * little-endian partition offset; for GPT: "DMIO:ID:" + partition GUID. */
static bool
mounted_device_matches (const struct ow_ptable *pt, const struct ow_partition *p,
                        const uint8_t *d, size_t len)
{
  if (pt->scheme == OW_PT_MBR && len == 12)
    return ow_le32 (d) == pt->mbr_signature && ow_le64 (d + 4) == p->start;
  if (pt->scheme == OW_PT_GPT && len == 24 && memcmp (d, "DMIO:ID:", 8) == 0)
    return memcmp (d + 8, p->part_guid, 16) == 0;
  return false;
}

char *
ow_win_drive_letter (struct ow_win_ctx *c, const struct ow_partition *p)
{
  char **names = ow_hive_value_names (c->system, "MountedDevices");
  char *letter = NULL;

  for (size_t i = 0; names && names[i] && !letter; i++) {
    uint32_t t;
    void *d;
    size_t len;
    const char *n = names[i];

    if (strncasecmp (n, "\\DosDevices\\", 12) != 0 || strlen (n) != 14 || n[13] != ':')
      continue;
    if (ow_hive_get_raw (c->system, "MountedDevices", n, &t, &d, &len) != 1)
      continue;
    if (mounted_device_matches (c->pt, p, d, len) && asprintf (&letter, "%c:", n[12] & ~0x20) == -1)
      letter = NULL;
    free (d);
  }
  ow_strv_free (names);
  return letter;
}

int
ow_win_system (struct ow_win_ctx *c, json_t *out)
{
  json_t *pf;
  char *path;
  uint32_t hb;

  if (c->system == NULL)
    return 0;
  if (find_control_set (c) == -1)
    return -1;
  ow_json_set_str (out, "currentControlSet", c->control_set);
  ow_json_set_str_take (out, "driveLetter", ow_win_drive_letter (c, c->part));
  if (c->control_set == NULL)
    return 0;

  ow_json_set_str_take (out, "hostname",
                        cs_string (c, "Control\\ComputerName\\ComputerName", "ComputerName"));
  ow_json_set_str_take (out, "tcpipHostname",
                        cs_string (c, "Services\\Tcpip\\Parameters", "Hostname"));
  ow_json_set_str_take (out, "dnsDomain",
                        cs_string (c, "Services\\Tcpip\\Parameters", "Domain"));

  pf = json_object ();
  json_object_set_new (pf, "pagingFiles",
                       cs_multi (c, "Control\\Session Manager\\Memory Management", "PagingFiles"));
  json_object_set_new (pf, "existingPageFiles",
                       cs_multi (c, "Control\\Session Manager\\Memory Management", "ExistingPageFiles"));
  json_object_set_new (out, "pagefile", pf);

  path = cs_path (c, "Control\\Session Manager\\Power");
  if (path && ow_hive_get_dword (c->system, path, "HiberbootEnabled", &hb) == 1)
    json_object_set_new (out, "hiberbootEnabled", json_boolean (hb != 0));
  else
    json_object_set_new (out, "hiberbootEnabled", json_null ());
  free (path);
  return 0;
}
