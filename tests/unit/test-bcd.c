/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The BCD element decoder and names (bcd/element.c, bcd/names.c): a table
 * of Element values as Windows stores them, each with the JSON value
 * inspect must show (or the hex and problem it must report), and the
 * bcdedit names that depend on the object's application kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bcd/bcd.h"

#define ARRAY_SIZE(a) (sizeof (a) / sizeof (a)[0])

/* A GPT disk with partition 3 = 11..11, disk GUID 33..33; an MBR disk
 * 0x1234abcd with partition 2 at 0x1F500000. */
static struct ow_partition gparts[] = { { .number = 3 } };
static struct ow_partition mparts[] = { { .number = 2, .start = 0x1F500000 } };
static struct ow_ptable gpt = { .scheme = OW_PT_GPT, .parts = gparts, .count = 1 };
static struct ow_ptable mbr = { .scheme = OW_PT_MBR, .parts = mparts, .count = 1,
                                .mbr_signature = 0x1234abcd };

static const struct {
  const char *what;
  uint32_t id, regtype;
  const char *data;
  size_t len;
  enum ow_bcd_app app;
  const char *want;     /* the element's "value" as compact JSON */
  const char *problem;  /* substring of the one problem, or NULL for none */
} cases[] = {
  { "string", 0x12000004, 1, "W\0i\0n\0\0\0", 8, OW_BCD_APP_BOOTMGR, "\"Win\"", NULL },
  { "object alias", 0x23000003, 1,
    "{\0""9\0d\0e\0a\0""8\0""6\0""2\0c\0-\0""5\0c\0d\0d\0-\0""4\0e\0""7\0""0\0-\0"
    "a\0c\0c\0""1\0-\0f\0""3\0""2\0b\0""3\0""4\0""4\0d\0""4\0""7\0""9\0""5\0}\0\0\0", 78,
    OW_BCD_APP_BOOTMGR, "\"{bootmgr}\"", NULL },
  { "integer with a value name", 0x250000e0, 3, "\1\0\0\0\0\0\0\0", 8, OW_BCD_APP_OSLOADER,
    "1", NULL },
  { "integer of the wrong size", 0x25000004, 3, "\1\0\0\0", 4, OW_BCD_APP_BOOTMGR, "null",
    "does not match the element's format" },
  { "boolean", 0x16000009, 3, "\1", 1, OW_BCD_APP_OSLOADER, "true", NULL },
  { "boolean as REG_SZ", 0x16000009, 1, "1\0\0\0", 4, OW_BCD_APP_OSLOADER, "null",
    "does not match" },
  { "integer list", 0x17000077, 3, "\x75\0\0\x15\0\0\0\0\2\0\0\0\0\0\0\0", 16,
    OW_BCD_APP_OSLOADER, "[352321653,2]", NULL },
  { "object list", 0x14000006, 7, "{\0x\0}\0\0\0\0\0", 10, OW_BCD_APP_NONE, "[\"{x}\"]", NULL },
  { "device too short", 0x11000001, 3, "\0\0\0\0", 4, OW_BCD_APP_OSLOADER,
    "{\"kind\":\"invalid\"}", "too short" },
  { "device of an unknown kind", 0x21000001, 3,
    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" "\x63\0\0\0" "\0\0\0\0" "\x48\0\0\0" "\0\0\0\0", 32,
    OW_BCD_APP_OSLOADER, "{\"kind\":\"unknown\",\"deviceType\":99}", "unknown kind" },
  { "boot device", 0x11000001, 3,
    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" "\5\0\0\0" "\0\0\0\0" "\x10\0\0\0" "\0\0\0\0", 32,
    OW_BCD_APP_BOOTMGR, "{\"kind\":\"boot\"}", NULL },
  { "format 8: unknown, hex", 0x18000001, 3, "\xab", 1, OW_BCD_APP_NONE, "null", NULL },
};

static void
test_decode (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++) {
    json_t *problems = json_array ();
    json_t *j = ow_bcd_element_json (cases[i].id, cases[i].regtype, cases[i].data, cases[i].len,
                                     cases[i].app, &gpt, problems);
    char *v;

    print_message ("bcd element: %s\n", cases[i].what);
    assert_non_null (j);
    v = json_dumps (json_object_get (j, "value"), JSON_COMPACT | JSON_ENCODE_ANY);
    assert_string_equal (v, cases[i].want);
    free (v);
    if (cases[i].problem) {
      assert_int_equal (json_array_size (problems), 1);
      assert_non_null (strstr (json_string_value (json_array_get (problems, 0)), cases[i].problem));
    }
    else
      assert_int_equal (json_array_size (problems), 0);
    if (json_is_null (json_object_get (j, "value")))
      assert_true (json_is_string (json_object_get (j, "hex")));
    json_decref (j);
    json_decref (problems);
  }
}

/* The 88-byte partition form, mapped to the partition tables above. */
static void
test_partition_devices (void **state)
{
  uint8_t d[88] = { 0 };
  json_t *j, *v;
  (void) state;

  memset (gparts[0].part_guid, 0x11, 16);
  memset (gpt.disk_guid, 0x33, 16);
  d[16] = 6;                               /* partition */
  d[24] = 0x48;
  memset (d + 32, 0x11, 16);               /* GPT partition GUID */
  memset (d + 56, 0x33, 16);               /* disk GUID */
  j = ow_bcd_element_json (0x21000001, 3, d, sizeof d, OW_BCD_APP_OSLOADER, &gpt, NULL);
  v = json_object_get (j, "value");
  assert_string_equal (json_string_value (json_object_get (v, "style")), "gpt");
  assert_true (json_is_true (json_object_get (v, "thisDisk")));
  assert_int_equal (json_integer_value (json_object_get (v, "partition")), 3);
  assert_string_equal (json_string_value (json_object_get (j, "name")), "osdevice");
  json_decref (j);
  d[40] = 0x34;                            /* another disk */
  d[56] = 0x34;
  j = ow_bcd_element_json (0x21000001, 3, d, sizeof d, OW_BCD_APP_OSLOADER, &gpt, NULL);
  assert_true (json_is_false (json_object_get (json_object_get (j, "value"), "thisDisk")));
  assert_true (json_is_null (json_object_get (json_object_get (j, "value"), "partition")));
  json_decref (j);

  memset (d + 32, 0, 40);
  ow_put_le64 (d + 32, 0x1F500000);        /* MBR byte offset */
  ow_put_le32 (d + 52, 1);
  ow_put_le32 (d + 56, 0x1234abcd);
  j = ow_bcd_element_json (0x11000001, 3, d, sizeof d, OW_BCD_APP_OSLOADER, &mbr, NULL);
  v = json_object_get (j, "value");
  assert_string_equal (json_string_value (json_object_get (v, "diskSignature")), "0x1234abcd");
  assert_int_equal (json_integer_value (json_object_get (v, "partition")), 2);
  assert_string_equal (json_string_value (json_object_get (j, "name")), "device");
  json_decref (j);
}

static void
test_names (void **state)
{
  (void) state;
  /* The same application id, three meanings. */
  assert_string_equal (ow_bcd_element_name (0x23000003, OW_BCD_APP_BOOTMGR), "default");
  assert_string_equal (ow_bcd_element_name (0x23000003, OW_BCD_APP_OSLOADER), "resumeobject");
  assert_null (ow_bcd_element_name (0x23000003, OW_BCD_APP_NONE));
  assert_string_equal (ow_bcd_element_name (0x1500004b, OW_BCD_APP_NONE), "integrityservices");
  assert_int_equal (ow_bcd_element_id ("ems", OW_BCD_APP_OSLOADER), 0x260000b0);
  assert_int_equal (ow_bcd_element_id ("bootems", OW_BCD_APP_BOOTMGR), 0x16000020);
  assert_int_equal (ow_bcd_element_id ("displaybootmenu", OW_BCD_APP_OSLOADER), 0);
  assert_string_equal (ow_bcd_value_name (0x250000e0, OW_BCD_APP_OSLOADER, 1), "IgnoreAllFailures");
  assert_int_equal (ow_bcd_value_of_name (0x1500004b, OW_BCD_APP_NONE, "enable"), 1);
  assert_int_equal (ow_bcd_app_of_type (0x10200003), OW_BCD_APP_OSLOADER);
  assert_int_equal (ow_bcd_app_of_type (0x20200003), OW_BCD_APP_OSLOADER);
  assert_int_equal (ow_bcd_app_of_type (0x101fffff), OW_BCD_APP_NONE);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_decode),
    cmocka_unit_test (test_partition_devices),
    cmocka_unit_test (test_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
