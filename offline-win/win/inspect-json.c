/* SPDX-License-Identifier: GPL-3.0-or-later */
/* JSON for the partition table and the disk, and the public text API. */
#include <stdlib.h>

#include "inspect.h"
#include "win.h"

json_t *
ow_inspect_ptable_json (const struct ow_ptable *pt)
{
  json_t *j = json_object ();
  char guid[37];

  switch (pt->scheme) {
  case OW_PT_MBR:
    json_object_set_new (j, "scheme", json_string ("mbr"));
    json_object_set_new (j, "diskSignature", json_sprintf ("0x%08x", pt->mbr_signature));
    break;
  case OW_PT_GPT:
    json_object_set_new (j, "scheme", json_string ("gpt"));
    ow_guid_to_string (pt->disk_guid, guid);
    json_object_set_new (j, "diskGuid", json_string (guid));
    json_object_set_new (j, "usedBackupHeader", json_boolean (pt->gpt_used_backup));
    break;
  default:
    json_object_set_new (j, "scheme", json_string ("none"));
  }
  json_object_set_new (j, "sectorSize", json_integer (pt->sector_size));
  json_t *w = json_array ();
  for (size_t i = 0; i < pt->nwarnings; i++)
    json_array_append_new (w, json_string (pt->warnings[i]));
  json_object_set_new (j, "warnings", w);
  return j;
}

json_t *
ow_inspect_disk (struct ow_disk *disk)
{
  json_t *doc = ow_inspect (disk), *d;
  struct ow_disk_stats st;

  if (doc == NULL)
    return NULL;
  ow_disk_get_stats (disk, &st);
  d = json_object ();
  json_object_set_new (d, "path", json_string (ow_disk_spec (disk)));
  json_object_set_new (d, "size", json_integer ((json_int_t) ow_disk_size (disk)));
  json_object_set_new (d, "sectorSize", json_integer (ow_disk_sector_size (disk)));
  json_object_set_new (d, "bytesRead", json_integer ((json_int_t) st.bytes_read));
  json_object_set_new (d, "reads", json_integer ((json_int_t) st.reads));
  json_object_set_new (doc, "disk", d);
  return doc;
}

char *
ow_inspect_json (const char *spec)
{
  struct ow_disk *disk = ow_disk_open (spec, OW_DISK_RDONLY);
  char *text;

  if (disk == NULL)
    return NULL;
  text = ow_inspect_json_disk (disk);
  ow_disk_close (disk);
  return text;
}

char *
ow_inspect_json_disk (struct ow_disk *disk)
{
  json_t *doc = ow_inspect_disk (disk);
  char *text;

  if (doc == NULL)
    return NULL;
  if (json_object_get (doc, "error") != NULL) {
    /* Same rule as the CLI's exit 1: a volume could not be read. */
    ow_err (EIO, "%s", json_string_value (json_object_get (json_object_get (doc, "error"),
                                                           "message")));
    json_decref (doc);
    return NULL;
  }
  text = json_dumps (doc, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  json_decref (doc);
  if (text == NULL)
    ow_err (ENOMEM, "out of memory");
  return text;
}
