/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the BCD element decoder (bcd/element.c): the
 * input is an element id (4 bytes LE), the registry type (1 byte), the
 * application kind of the object (1 byte) and the Element value's bytes,
 * decoded against a GPT and an MBR partition table.  Properties (abort =
 * a finding): decoding always gives an object with the id, a value or
 * the bytes as hex; an integer or boolean that decodes re-encodes to the
 * same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bcd/bcd.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static struct ow_partition parts[2];
static struct ow_ptable gpt = { .scheme = OW_PT_GPT, .parts = parts, .count = 2 };
static struct ow_ptable mbr = { .scheme = OW_PT_MBR, .parts = parts, .count = 2,
                                .mbr_signature = 0x1234abcd };

static void
check (uint32_t id, uint32_t t, const uint8_t *d, size_t len, enum ow_bcd_app app,
       const struct ow_ptable *pt)
{
  json_t *problems = json_array ();
  json_t *j = ow_bcd_element_json (id, t, d, len, app, pt, problems);
  json_t *v;
  char *text;

  if (j == NULL || !json_is_string (json_object_get (j, "id")))
    abort ();
  v = json_object_get (j, "value");
  if (json_is_null (v) && !json_is_string (json_object_get (j, "hex")))
    abort ();
  text = json_dumps (j, 0);
  if (text == NULL)
    abort ();
  free (text);
  if ((json_is_boolean (v) && len == 1 && d[0] <= 1) || json_is_integer (v)) {
    uint32_t rt;
    void *out;
    size_t olen;
    if (ow_bcd_element_encode (id, v, &rt, &out, &olen) == -1 || rt != t || olen != len ||
        memcmp (out, d, len) != 0)
      abort ();
    free (out);
  }
  json_decref (j);
  json_decref (problems);
  ow_error_clear ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 6)
    return 0;
  parts[0].number = 1;
  parts[0].start = 1048576;
  memset (parts[0].part_guid, 0x11, 16);
  parts[1].number = 2;
  parts[1].start = 0x1F500000;
  memset (parts[1].part_guid, 0x22, 16);
  memset (gpt.disk_guid, 0x33, 16);
  check (ow_le32 (data), data[4], data + 6, size - 6, (enum ow_bcd_app) (data[5] % 6), &gpt);
  check (ow_le32 (data), data[4], data + 6, size - 6, (enum ow_bcd_app) (data[5] % 6), &mbr);
  return 0;
}
