/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plan and the result as JSON: one entry per change, values decoded
 * by type so an operator can read old → new. */
#include <stdio.h>
#include <stdlib.h>

#include "prepare.h"

static const char *
type_name (uint32_t t)
{
  switch (t) {
  case OW_REG_NONE: return "REG_NONE";
  case OW_REG_SZ: return "REG_SZ";
  case OW_REG_EXPAND_SZ: return "REG_EXPAND_SZ";
  case OW_REG_BINARY: return "REG_BINARY";
  case OW_REG_DWORD: return "REG_DWORD";
  case OW_REG_DWORD_BIG_ENDIAN: return "REG_DWORD_BIG_ENDIAN";
  case OW_REG_LINK: return "REG_LINK";
  case OW_REG_MULTI_SZ: return "REG_MULTI_SZ";
  case OW_REG_QWORD: return "REG_QWORD";
  default: return "REG_UNKNOWN";
  }
}

static json_t *
hex_json (const uint8_t *d, size_t len)
{
  char *s = malloc (len * 2 + 5);
  json_t *j;

  if (s == NULL)
    return json_null ();
  strcpy (s, "hex:");
  for (size_t i = 0; i < len; i++)
    sprintf (s + 4 + 2 * i, "%02x", d[i]);
  j = json_string (s);
  free (s);
  return j;
}

/* A registry value's data as JSON: strings, string arrays, numbers, else hex. */
json_t *
ow_reg_value_json (uint32_t t, const void *d, size_t len)
{
  uint32_t dw;
  uint64_t qw;

  switch (t) {
  case OW_REG_SZ: case OW_REG_EXPAND_SZ: {
    char *s = ow_reg_decode_sz (d, len);
    json_t *j = s ? json_string (s) : hex_json (d, len);
    free (s);
    return j ? j : hex_json (d, len);
  }
  case OW_REG_MULTI_SZ: {
    size_t n;
    char **v = ow_reg_decode_multi_sz (d, len, &n);
    json_t *a = json_array ();
    for (size_t i = 0; v && v[i]; i++)
      json_array_append_new (a, json_string (v[i]));
    ow_strv_free (v);
    return a;
  }
  case OW_REG_DWORD:
    if (ow_reg_decode_dword (d, len, &dw) == 0)
      return json_integer (dw);
    break;
  case OW_REG_QWORD:
    if (ow_reg_decode_qword (d, len, &qw) == 0)
      return json_integer ((json_int_t) qw);
    break;
  }
  return hex_json (d, len);
}

static json_t *
change_json (const struct ow_change *c)
{
  json_t *j = json_object ();

  json_object_set_new (j, "step", json_string (c->step));
  switch (c->kind) {
  case OW_CH_REG_SET:
  case OW_CH_REG_DELETE:
  case OW_CH_REG_DELETE_KEY:
    json_object_set_new (j, "kind", json_string (c->kind == OW_CH_REG_SET ? "registry-set" :
                                                 c->kind == OW_CH_REG_DELETE ? "registry-delete" :
                                                 "registry-delete-key"));
    json_object_set_new (j, "hive", json_string (c->hive));
    json_object_set_new (j, "key", json_string (c->key));
    if (c->value)
      json_object_set_new (j, "value", json_string (c->value));
    if (c->kind == OW_CH_REG_DELETE_KEY)
      break;
    if (c->had_old) {
      json_object_set_new (j, "oldType", json_string (type_name (c->old_type)));
      json_object_set_new (j, "old", ow_reg_value_json (c->old_type, c->old_data, c->old_len));
    }
    else
      json_object_set_new (j, "old", json_null ());
    if (c->kind == OW_CH_REG_SET) {
      json_object_set_new (j, "type", json_string (type_name (c->new_type)));
      json_object_set_new (j, "new", ow_reg_value_json (c->new_type, c->new_data, c->new_len));
    }
    else
      json_object_set_new (j, "new", json_null ());
    break;
  case OW_CH_FILE_WRITE:
    json_object_set_new (j, "kind", json_string (c->had_old ? "file-replace" : "file-create"));
    json_object_set_new (j, "path", json_string (c->path));
    json_object_set_new (j, "size", json_integer ((json_int_t) (c->source ? c->source_len
                                                                : c->content_len)));
    if (c->source)
      json_object_set_new (j, "source", json_string (c->source));
    break;
  case OW_CH_FILE_DELETE:
    json_object_set_new (j, "kind", json_string ("file-delete"));
    json_object_set_new (j, "path", json_string (c->path));
    break;
  }
  if (c->note)
    json_object_set_new (j, "note", json_string (c->note));
  return j;
}

json_t *
ow_plan_json (const struct ow_plan *p)
{
  json_t *changes = json_array ();

  for (size_t i = 0; i < p->n; i++)
    json_array_append_new (changes, change_json (&p->v[i]));
  return json_pack ("{s:o, s:O, s:O}", "changes", changes, "steps", p->steps,
                    "notes", p->notes);
}
