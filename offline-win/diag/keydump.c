/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The registry keys the report used, as text for the bundle, in the
 * shape of a regedit export (one [key] block, "value"=data lines), so an
 * operator can read the evidence without a hive tool.  Binary data is hex;
 * REG_MULTI_SZ is a list of quoted strings. */
#include <stdio.h>
#include <stdlib.h>

#include "diag/diag.h"

/* Values of one key dumped (a key with more is cut, and says so). */
#define MAX_DUMP_VALUES 512
#define MAX_DUMP_HEX 4096

static void
dump_value (FILE *f, struct ow_hive *h, const char *key, const char *name)
{
  void *data = NULL;
  size_t len = 0;
  uint32_t type = 0;

  fprintf (f, "\"%s\"=", *name ? name : "@");
  if (ow_hive_get_raw (h, key, name, &type, &data, &len) != 1) {
    fputs ("<unreadable>\n", f);
    ow_error_clear ();
    return;
  }
  if ((type == OW_REG_SZ || type == OW_REG_EXPAND_SZ)) {
    char *s = ow_reg_decode_sz (data, len);
    fprintf (f, "%s\"%s\"\n", type == OW_REG_EXPAND_SZ ? "expand:" : "", s ? s : "");
    free (s);
  }
  else if (type == OW_REG_DWORD && len == 4) {
    uint32_t v = 0;
    ow_reg_decode_dword (data, len, &v);
    fprintf (f, "dword:%08x\n", v);
  }
  else if (type == OW_REG_MULTI_SZ) {
    size_t n = 0;
    char **v = ow_reg_decode_multi_sz (data, len, &n);
    fputs ("multi:", f);
    for (size_t i = 0; v && v[i]; i++)
      fprintf (f, "%s\"%s\"", i ? "," : "", v[i]);
    fputc ('\n', f);
    ow_strv_free (v);
  }
  else {
    fprintf (f, "hex(%x):", type);
    for (size_t i = 0; i < len && i < MAX_DUMP_HEX; i++)
      fprintf (f, "%s%02x", i ? "," : "", ((uint8_t *) data)[i]);
    fputs (len > MAX_DUMP_HEX ? ",...\n" : "\n", f);
  }
  ow_error_clear ();
  free (data);
}

static struct ow_hive *
hive_of (struct diag *d, const char *name)
{
  if (strcmp (name, "SYSTEM") == 0) return d->w.system;
  if (strcmp (name, "SOFTWARE") == 0) return d->w.software;
  if (strcmp (name, "BCD") == 0) return d->bcd_hive;
  return NULL;                 /* never SAM or SECURITY */
}

char *
diag_keys_dump (struct diag *d)
{
  char *buf = NULL;
  size_t size = 0, i;
  FILE *f = open_memstream (&buf, &size);
  json_t *k;

  if (f == NULL)
    return NULL;
  fputs ("; Registry keys the diagnostics report used (read-only copy of the image's hives)\r\n\n", f);
  json_array_foreach (d->keys, i, k) {
    const char *full = json_string_value (k), *sep = strchr (full, '\\');
    char *hname = sep ? strndup (full, (size_t) (sep - full)) : NULL;
    struct ow_hive *h = hname ? hive_of (d, hname) : NULL;
    char **names;

    fprintf (f, "[%s]\n", full);
    free (hname);
    if (h == NULL || (names = ow_hive_value_names (h, sep + 1)) == NULL) {
      fputs ("; absent\n\n", f);
      ow_error_clear ();
      continue;
    }
    for (size_t n = 0; names[n] && n < MAX_DUMP_VALUES; n++)
      dump_value (f, h, sep + 1, names[n]);
    fputc ('\n', f);
    ow_strv_free (names);
  }
  if (fclose (f) != 0) {
    free (buf);
    return NULL;
  }
  return buf;
}
