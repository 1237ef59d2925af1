/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The BCD store's default boot entry (DRIVERS.md, "BCD"): {bootmgr}
 * element 23000003 names the default loader; its 12000004 description,
 * 12000002 path and 11000001 / 21000001 devices.  The store is a hive:
 * \Boot\BCD on an NTFS volume (BIOS) or \EFI\Microsoft\Boot\BCD on the
 * FAT EFI system partition (UEFI); diag.c finds and opens it. */
#include <stdio.h>
#include <stdlib.h>

#include "diag/diag.h"

#define BOOTMGR "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
/* Device elements are small structures; more than this is not a device. */
#define MAX_DEVICE_HEX 512

static char *
element_key (const char *obj, const char *el)
{
  char *k;
  if (asprintf (&k, "Objects\\%s\\Elements\\%s", obj, el) == -1)
    return NULL;
  return k;
}

static json_t *
element_string (struct ow_hive *h, const char *obj, const char *el)
{
  char *k = element_key (obj, el), *s = NULL;
  json_t *j = json_null ();
  if (k && ow_hive_get_string (h, k, "Element", &s) == 1)
    j = json_string (s);
  ow_error_clear ();
  free (s);
  free (k);
  return j ? j : json_null ();
}

static json_t *
element_hex (struct ow_hive *h, const char *obj, const char *el)
{
  char *k = element_key (obj, el);
  void *data = NULL;
  size_t len = 0;
  uint32_t type;
  json_t *j = json_null ();

  if (k && ow_hive_get_raw (h, k, "Element", &type, &data, &len) == 1 &&
      len <= MAX_DEVICE_HEX) {
    char *hex = malloc (len * 2 + 1);
    if (hex) {
      for (size_t i = 0; i < len; i++)
        snprintf (hex + 2 * i, 3, "%02x", ((uint8_t *) data)[i]);
      hex[len * 2] = '\0';
      j = json_string (hex);
      free (hex);
    }
  }
  ow_error_clear ();
  free (data);
  free (k);
  return j ? j : json_null ();
}

/* Read the default entry of the store HIVE found at WHERE (partition N). */
void
diag_bcd_read (struct diag *d, struct ow_hive *h, unsigned part, const char *where)
{
  json_t *sec = json_object_get (d->report, "bcd");
  json_t *def = element_string (h, BOOTMGR, "23000003");
  const char *g = json_string_value (def);

  json_object_set_new (sec, "state", json_string ("read"));
  json_object_set_new (sec, "partition", json_integer (part));
  json_object_set_new (sec, "path", json_sprintf ("/%s", where));
  json_object_set (sec, "default", def);
  diag_key_used (d, "BCD", "Objects\\" BOOTMGR "\\Elements\\23000003");
  if (g) {
    static const char *const used[] = { "12000004", "12000002", "22000002", "11000001",
                                        "21000001", NULL };
    for (size_t i = 0; used[i]; i++) {
      char *k = element_key (g, used[i]);
      if (k)
        diag_key_used (d, "BCD", k);
      free (k);
    }
    json_object_set_new (sec, "description", element_string (h, g, "12000004"));
    json_object_set_new (sec, "loaderPath", element_string (h, g, "12000002"));
    json_object_set_new (sec, "systemRoot", element_string (h, g, "22000002"));
    json_object_set_new (sec, "deviceHex", element_hex (h, g, "11000001"));
    json_object_set_new (sec, "osDeviceHex", element_hex (h, g, "21000001"));
  }
  else
    diag_finding (d, "bcd-no-default", "error",
                  diag_ev_registry ("BCD", "Objects\\" BOOTMGR "\\Elements\\23000003",
                                    "Element", json_string ("absent")),
                  "the boot configuration (%s) names no default entry: the boot manager has "
                  "nothing to start; rebuild it with bcdboot C:\\Windows (from a helper VM)",
                  where);
  json_decref (def);
}

int
diag_bcd (struct diag *d)
{
  json_t *sec = json_object_get (d->report, "bcd");

  if (json_object_get (sec, "state"))
    return 0;
  json_object_set_new (sec, "state", json_string ("not-read"));
  json_object_set_new (sec, "why", json_string (
    "no \\Boot\\BCD on an NTFS volume and no \\EFI\\Microsoft\\Boot\\BCD on a FAT "
    "volume: the firmware has no Windows boot configuration to start"));
  return 0;
}
