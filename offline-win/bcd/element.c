/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One BCD element: its Element value decoded by the format in its id
 * (docs/bcd.md, "Encodings").  Every byte is the disk's: a value whose
 * registry type or size does not fit its format is kept as hex and
 * described, never trusted; device elements are decoded only in the
 * partition form whose layout is verified (DRIVERS.md 3.2), and mapped
 * to this disk's partitions. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bcd.h"
#include "win/win.h"

#define REG_SZ_T 1
#define REG_BINARY_T 3
#define REG_MULTI_SZ_T 7

/* Device element layout (offsets in the Element value). */
#define DEV_HEADER 16            /* AssociatedEntry GUID, zero for plain devices */
#define DEV_TYPE (DEV_HEADER + 0)
#define DEV_SIZE (DEV_HEADER + 8)
#define DEV_PART_ID (DEV_HEADER + 16)      /* GPT partition GUID / MBR byte offset */
#define DEV_PART_STYLE (DEV_HEADER + 36)   /* 0 GPT, 1 MBR */
#define DEV_DISK_ID (DEV_HEADER + 40)      /* GPT disk GUID / MBR signature */
#define DEV_PARTITION_LEN 88
#define DEV_MIN_LEN (DEV_HEADER + 16)
/* Device kinds (ReactOS bl.h BL_DEVICE_TYPE; bcdedit's words). */
#define DEV_KIND_DISK 0
#define DEV_KIND_LEGACY_PARTITION 2
#define DEV_KIND_SERIAL 3
#define DEV_KIND_UDP 4
#define DEV_KIND_BOOT 5
#define DEV_KIND_PARTITION 6
#define DEV_KIND_LOCATE 8

static json_t *
hex_json (const uint8_t *d, size_t len)
{
  char *s = malloc (len * 2 + 1);
  json_t *j;

  if (s == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++)
    snprintf (s + 2 * i, 3, "%02x", d[i]);
  s[len * 2] = '\0';
  j = json_string (s);
  free (s);
  return j;
}

static void
problem (json_t *problems, uint32_t id, const char *fmt, const char *what)
{
  if (problems)
    json_array_append_new (problems, json_sprintf ("element %08" PRIx32 ": %s%s", id, fmt,
                                                   what ? what : ""));
}

static bool
guid_is_zero (const uint8_t *g)
{
  for (int i = 0; i < 16; i++)
    if (g[i])
      return false;
  return true;
}

/* Which of our partitions a partition-form device names. */
static void
map_partition (json_t *dev, const uint8_t *d, const struct ow_ptable *pt)
{
  json_t *num = json_null ();
  bool disk = false;

  if (pt && ow_le32 (d + DEV_PART_STYLE) == 0 && pt->scheme == OW_PT_GPT) {
    disk = memcmp (d + DEV_DISK_ID, pt->disk_guid, 16) == 0;
    for (size_t i = 0; i < pt->count; i++)
      if (memcmp (pt->parts[i].part_guid, d + DEV_PART_ID, 16) == 0) {
        json_decref (num);
        num = json_integer (pt->parts[i].number);
      }
  }
  else if (pt && ow_le32 (d + DEV_PART_STYLE) == 1 && pt->scheme == OW_PT_MBR) {
    uint64_t off = ow_le64 (d + DEV_PART_ID);
    disk = ow_le32 (d + DEV_DISK_ID) == pt->mbr_signature;
    for (size_t i = 0; disk && i < pt->count; i++)
      if (pt->parts[i].start == off && pt->parts[i].role != OW_ROLE_EXTENDED) {
        json_decref (num);
        num = json_integer (pt->parts[i].number);
      }
  }
  if (!disk) {
    json_decref (num);
    num = json_null ();
  }
  json_object_set_new (dev, "thisDisk", json_boolean (disk));
  json_object_set_new (dev, "partition", num);
}

static json_t *
device_json (uint32_t id, const uint8_t *d, size_t len, const struct ow_ptable *pt,
             json_t *problems)
{
  json_t *dev = json_object ();
  uint32_t kind, size;
  char g[37];

  if (len < DEV_MIN_LEN) {
    problem (problems, id, "device value too short", NULL);
    json_object_set_new (dev, "kind", json_string ("invalid"));
    return dev;
  }
  kind = ow_le32 (d + DEV_TYPE);
  size = ow_le32 (d + DEV_SIZE);
  if (!guid_is_zero (d)) {
    ow_guid_to_string (d, g);
    json_object_set_new (dev, "associatedObject", json_sprintf ("{%s}", g));
  }
  switch (kind) {
  case DEV_KIND_PARTITION:
  case DEV_KIND_LEGACY_PARTITION:
    if (len < DEV_PARTITION_LEN || size < DEV_PARTITION_LEN - DEV_HEADER ||
        size > len - DEV_HEADER) {
      problem (problems, id, "partition device of unexpected size", NULL);
      json_object_set_new (dev, "kind", json_string ("invalid"));
      return dev;
    }
    json_object_set_new (dev, "kind", json_string ("partition"));
    switch (ow_le32 (d + DEV_PART_STYLE)) {
    case 0:
      json_object_set_new (dev, "style", json_string ("gpt"));
      ow_guid_to_string (d + DEV_PART_ID, g);
      json_object_set_new (dev, "partitionGuid", json_string (g));
      ow_guid_to_string (d + DEV_DISK_ID, g);
      json_object_set_new (dev, "diskGuid", json_string (g));
      break;
    case 1:
      json_object_set_new (dev, "style", json_string ("mbr"));
      json_object_set_new (dev, "offset", json_integer ((json_int_t) (ow_le64 (d + DEV_PART_ID)
                                                                       & INT64_MAX)));
      json_object_set_new (dev, "diskSignature", json_sprintf ("0x%08" PRIx32,
                                                                ow_le32 (d + DEV_DISK_ID)));
      break;
    default:
      problem (problems, id, "partition device of unknown partition style", NULL);
      json_object_set_new (dev, "style", json_sprintf ("%" PRIu32, ow_le32 (d + DEV_PART_STYLE)));
      return dev;
    }
    map_partition (dev, d, pt);
    return dev;
  case DEV_KIND_BOOT:
    json_object_set_new (dev, "kind", json_string ("boot"));
    return dev;
  case DEV_KIND_LOCATE:
    json_object_set_new (dev, "kind", json_string ("locate"));
    return dev;
  case DEV_KIND_DISK:
  case DEV_KIND_SERIAL:
  case DEV_KIND_UDP:
    /* Ramdisk, VHD, network boot: kept as hex (not decoded). */
    json_object_set_new (dev, "kind", json_string (kind == DEV_KIND_DISK ? "disk"
                                                   : kind == DEV_KIND_SERIAL ? "ramdisk-or-serial"
                                                   : "network"));
    return dev;
  default:
    problem (problems, id, "device of unknown kind ", NULL);
    json_object_set_new (dev, "kind", json_string ("unknown"));
    json_object_set_new (dev, "deviceType", json_integer (kind));
    return dev;
  }
}

static json_t *
object_json (const char *s)
{
  const char *alias = ow_bcd_object_alias (s);
  return json_string (alias ? alias : s);
}

json_t *
ow_bcd_element_json (uint32_t id, uint32_t regtype, const void *data, size_t len,
                     enum ow_bcd_app app, const struct ow_ptable *pt, json_t *problems)
{
  static const char *const formats[] = { NULL, "device", "string", "object", "objects",
                                         "integer", "boolean", "integers" };
  const uint8_t *d = data;
  unsigned fmt = OW_BCD_FORMAT (id);
  const char *name = ow_bcd_element_name (id, app);
  json_t *j = json_object (), *v = NULL;
  char *s;

  if (j == NULL)
    return NULL;
  json_object_set_new (j, "id", json_sprintf ("%08" PRIx32, id));
  json_object_set_new (j, "name", name ? json_string (name) : json_null ());
  json_object_set_new (j, "format", fmt < 8 && formats[fmt] ? json_string (formats[fmt])
                                                             : json_sprintf ("%u", fmt));
  switch (fmt) {
  case OW_BCD_DEVICE:
    if (regtype == REG_BINARY_T)
      v = device_json (id, d, len, pt, problems);
    break;
  case OW_BCD_STRING:
  case OW_BCD_OBJECT:
    if (regtype == REG_SZ_T && (s = ow_reg_decode_sz (d, len)) != NULL) {
      v = fmt == OW_BCD_OBJECT ? object_json (s) : json_string (s);
      free (s);
    }
    else
      ow_error_clear ();
    break;
  case OW_BCD_OBJECT_LIST:
    if (regtype == REG_MULTI_SZ_T) {
      size_t n = 0;
      char **l = ow_reg_decode_multi_sz (d, len, &n);
      if (l) {
        v = json_array ();
        for (size_t i = 0; i < n; i++)
          json_array_append_new (v, object_json (l[i]));
        ow_strv_free (l);
      }
      else
        ow_error_clear ();
    }
    break;
  case OW_BCD_INTEGER:
    if (regtype == REG_BINARY_T && len == 8) {
      uint64_t x = ow_le64 (d);
      const char *vn = ow_bcd_value_name (id, app, x);
      v = x <= INT64_MAX ? json_integer ((json_int_t) x) : json_sprintf ("0x%" PRIx64, x);
      if (vn)
        json_object_set_new (j, "valueName", json_string (vn));
    }
    break;
  case OW_BCD_BOOLEAN:
    /* One byte as Windows writes it; four seen in some stores. */
    if (regtype == REG_BINARY_T && (len == 1 || len == 4))
      v = json_boolean (len == 1 ? d[0] != 0 : ow_le32 (d) != 0);
    break;
  case OW_BCD_INTEGER_LIST:
    if (regtype == REG_BINARY_T && len % 8 == 0) {
      v = json_array ();
      for (size_t i = 0; i < len; i += 8) {
        uint64_t x = ow_le64 (d + i);
        json_array_append_new (v, x <= INT64_MAX ? json_integer ((json_int_t) x)
                                                 : json_sprintf ("0x%" PRIx64, x));
      }
    }
    break;
  default:
    break;
  }
  if (v == NULL) {
    if (fmt >= OW_BCD_DEVICE && fmt <= OW_BCD_INTEGER_LIST)
      problem (problems, id, "value does not match the element's format", NULL);
    json_object_set_new (j, "regType", json_integer (regtype));
  }
  /* The bytes are always there for what we do not decode fully. */
  if (v == NULL || fmt == OW_BCD_DEVICE)
    json_object_set_new (j, "hex", hex_json (d, len));
  json_object_set_new (j, "value", v ? v : json_null ());
  return j;
}

int
ow_bcd_element_encode (uint32_t id, const json_t *value, uint32_t *regtype,
                       void **data, size_t *len)
{
  uint8_t *b;

  switch (OW_BCD_FORMAT (id)) {
  case OW_BCD_BOOLEAN:
    if (!json_is_boolean (value))
      break;
    if ((b = malloc (1)) == NULL)
      return ow_err (ENOMEM, "out of memory");
    b[0] = json_is_true (value);
    *regtype = REG_BINARY_T, *data = b, *len = 1;
    return 0;
  case OW_BCD_INTEGER:
    if (!json_is_integer (value) || json_integer_value (value) < 0)
      break;
    if ((b = malloc (8)) == NULL)
      return ow_err (ENOMEM, "out of memory");
    ow_put_le64 (b, (uint64_t) json_integer_value (value));
    *regtype = REG_BINARY_T, *data = b, *len = 8;
    return 0;
  case OW_BCD_STRING:
  case OW_BCD_OBJECT:
    if (!json_is_string (value))
      break;
    if ((*data = ow_reg_encode_sz (json_string_value (value), len)) == NULL)
      return -1;
    *regtype = REG_SZ_T;
    return 0;
  default:
    break;
  }
  return ow_err_invalid ("BCD element %08" PRIx32 ": cannot set it to this value", id);
}
