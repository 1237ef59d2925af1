/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The byte-level pieces of a boot driver's binding (drv-bind.c): the
 * class GUID from an INF in Windows byte order, the 48-byte Version
 * value of a DriverDatabase package, hardware IDs as key paths, the
 * bootstrap package names.  Expected bytes written out by hand from the
 * sources in docs/drivers.md. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "prepare/prepare.h"

#define ARRAY_SIZE(a) (sizeof (a) / sizeof (a)[0])

static const struct {
  const char *text;
  const char *bytes;      /* 16 bytes, NULL = refused */
} guids[] = {
  { "{4D36E97B-E325-11CE-BFC1-08002BE10318}",
    "\x7b\xe9\x36\x4d\x25\xe3\xce\x11\xbf\xc1\x08\x00\x2b\xe1\x03\x18" },
  { "{4d36e972-e325-11ce-bfc1-08002be10318}",
    "\x72\xe9\x36\x4d\x25\xe3\xce\x11\xbf\xc1\x08\x00\x2b\xe1\x03\x18" },
  { "4D36E97B-E325-11CE-BFC1-08002BE10318", NULL },        /* no braces */
  { "{4D36E97B-E325-11CE-BFC1-08002BE10318", NULL },       /* unclosed */
  { "{4D36E97B-E325-11CE-BFC1-08002BE10318}x", NULL },     /* trailing */
  { "{4D36E97B-E325-11CE-BFC1-08002BE1031}", NULL },       /* short */
  { "{4D36E97B-E325-11CE-BFC1-08002BE103180}", NULL },     /* long */
  { "{4D36E97B+E325-11CE-BFC1-08002BE10318}", NULL },      /* separator */
  { "{4D36E97G-E325-11CE-BFC1-08002BE10318}", NULL },      /* not hex */
  { "{ D36E97B-E325-11CE-BFC1-08002BE10318}", NULL },      /* sscanf would skip it */
  { "", NULL },
  { NULL, NULL },
};

static void
test_guid_bytes (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (guids); i++) {
    uint8_t out[16];
    int r = ow_drv_guid_bytes (guids[i].text, out);
    if (guids[i].bytes == NULL) {
      if (r != -1 || ow_error_class () != OW_ERR_INVALID)
        fail_msg ("row %zu (%s) accepted", i, guids[i].text ? guids[i].text : "NULL");
      continue;
    }
    if (r != 0)
      fail_msg ("row %zu refused: %s", i, ow_error_message ());
    assert_memory_equal (out, guids[i].bytes, 16);
  }
}

static void
test_version_blob (void **state)
{
  /* virt-v2v's value for the SCSIAdapter class (DRIVERS.md 1.1). */
  static const uint8_t want[48] = {
    0x00, 0xff, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x7b, 0xe9, 0x36, 0x4d, 0x25, 0xe3, 0xce, 0x11, 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18,
  };
  uint8_t out[48];

  (void) state;
  assert_int_equal (ow_drv_version_blob ("{4D36E97B-E325-11CE-BFC1-08002BE10318}", out), 0);
  assert_memory_equal (out, want, 48);
  assert_int_equal (ow_drv_version_blob ("SCSIAdapter", out), -1);
}

static void
test_hwid_key (void **state)
{
  static const struct { const char *id, *key; } rows[] = {
    { "PCI\\VEN_1AF4&DEV_1004", "PCI\\VEN_1AF4&DEV_1004" },
    { "VMBUS\\{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}", "VMBUS\\{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}" },
    { "*PNP0A03", "*PNP0A03" },
    { "USB\\VID_1&PID_2\\x", NULL },      /* would be a third level */
    { "\\VEN_1", NULL },
    { "PCI\\", NULL },
    { "", NULL },
  };

  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (rows); i++) {
    char *k = ow_drv_hwid_key (rows[i].id);
    if (rows[i].key == NULL) {
      if (k != NULL)
        fail_msg ("row %zu (%s) accepted", i, rows[i].id);
      continue;
    }
    if (k == NULL)
      fail_msg ("row %zu refused: %s", i, ow_error_message ());
    assert_string_equal (k, rows[i].key);
    free (k);
  }
}

static void
test_bootstrap_names (void **state)
{
  struct ow_drv_choice c = {
    .package = (char *) "virtio-win", .inf_path = (char *) "vioscsi/2k22/amd64/vioscsi.inf",
    .inf_name = (char *) "VioScsi.inf", .driver_ver = (char *) "07/13/2023,100.93.104.24000",
    .install_section = (char *) "scsi_inst",
  };
  char *inf, *label, *inf2, *label2;

  (void) state;
  assert_int_equal (ow_drv_bootstrap_names (&c, "amd64", &inf, &label), 0);
  assert_string_equal (inf, "ce-vioscsi.inf");
  assert_int_equal (strlen (label), strlen ("ce-vioscsi.inf_amd64_") + 16);
  assert_memory_equal (label, "ce-vioscsi.inf_amd64_", strlen ("ce-vioscsi.inf_amd64_"));
  assert_int_equal (strspn (label + strlen ("ce-vioscsi.inf_amd64_"), "0123456789abcdef"), 16);
  /* Stable (a re-run plans the same keys), and another package differs. */
  assert_int_equal (ow_drv_bootstrap_names (&c, "amd64", &inf2, &label2), 0);
  assert_string_equal (label, label2);
  free (inf2);
  free (label2);
  c.driver_ver = (char *) "08/01/2024,100.95.104.26000";
  assert_int_equal (ow_drv_bootstrap_names (&c, "amd64", &inf2, &label2), 0);
  assert_string_not_equal (label, label2);
  free (inf);
  free (label);
  free (inf2);
  free (label2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_guid_bytes),
    cmocka_unit_test (test_version_blob),
    cmocka_unit_test (test_hwid_key),
    cmocka_unit_test (test_bootstrap_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
