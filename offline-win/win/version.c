/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Windows product and version from SOFTWARE (WINDOWS.md "Finding Windows"). */
#include <stdio.h>
#include <stdlib.h>

#include "win.h"

#define CURRENT_VERSION "Microsoft\\Windows NT\\CurrentVersion"

static char *
get_str (struct ow_hive *h, const char *value)
{
  char *s = NULL;
  if (ow_hive_get_string (h, CURRENT_VERSION, value, &s) <= 0)
    return NULL;
  return s;
}

/* A readable OS name: the product name in the registry is unreliable
 * (Windows 11 still says "Windows 10" there). */
static const char *
os_name (bool server, unsigned major, unsigned minor, unsigned long build)
{
  if (major == 10 && minor == 0) {
    if (server) {
      if (build >= 26100) return "Windows Server 2025";
      if (build >= 20348) return "Windows Server 2022";
      if (build >= 17763) return "Windows Server 2019";
      if (build >= 14393) return "Windows Server 2016";
      return "Windows Server (10.0)";
    }
    return build >= 22000 ? "Windows 11" : "Windows 10";
  }
  if (major == 6 && minor == 3) return server ? "Windows Server 2012 R2" : "Windows 8.1";
  if (major == 6 && minor == 2) return server ? "Windows Server 2012" : "Windows 8";
  if (major == 6 && minor == 1) return server ? "Windows Server 2008 R2" : "Windows 7";
  return NULL;
}

int
ow_win_version (struct ow_win_ctx *c, json_t *out)
{
  struct ow_hive *h = c->software;
  char *product, *edition, *itype, *build, *display, *cv;
  uint32_t major = 0, minor = 0;
  bool have_major;
  unsigned long nbuild;
  const char *name;

  if (h == NULL)
    return 0;
  product = get_str (h, "ProductName");
  edition = get_str (h, "EditionID");
  itype = get_str (h, "InstallationType");
  build = get_str (h, "CurrentBuildNumber");
  if (build == NULL)
    build = get_str (h, "CurrentBuild");
  display = get_str (h, "DisplayVersion");
  if (display == NULL)
    display = get_str (h, "ReleaseId");
  have_major = ow_hive_get_dword (h, CURRENT_VERSION, "CurrentMajorVersionNumber", &major) == 1 &&
               ow_hive_get_dword (h, CURRENT_VERSION, "CurrentMinorVersionNumber", &minor) == 1;
  if (!have_major && (cv = get_str (h, "CurrentVersion")) != NULL) {
    unsigned a = 0, b = 0;
    if (sscanf (cv, "%u.%u", &a, &b) == 2)
      major = a, minor = b;
    free (cv);
  }
  nbuild = build ? strtoul (build, NULL, 10) : 0;
  name = os_name (itype && strcmp (itype, "Server") == 0, major, minor, nbuild);

  json_object_set_new (out, "osName", name ? json_string (name) : json_null ());
  ow_json_set_str_take (out, "productName", product);
  ow_json_set_str_take (out, "editionId", edition);
  ow_json_set_str_take (out, "installationType", itype);
  ow_json_set_str_take (out, "build", build);
  json_object_set_new (out, "majorVersion", json_integer (major));
  json_object_set_new (out, "minorVersion", json_integer (minor));
  ow_json_set_str_take (out, "displayVersion", display);
  return 0;
}
