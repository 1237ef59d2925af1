/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The .sys check of driver injection (win/pe.c ow_pe_check_driver): a
 * driver image of the image's architecture passes, under either name of
 * the architecture; the wrong machine, the wrong optional header, a
 * non-native subsystem, a truncated or non-PE file are refused with the
 * reason.  The images are the ones tests/progs/mkpe writes (`file` reads
 * them as "PE32+ executable (native) x86-64": see
 * tests/test-drvpkg-stand-in-drivers-are-pe-images.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "win/win.h"
#include "../progs/pe-image.h"

static void
expect_refused (const uint8_t *buf, size_t len, const char *arch, const char *words)
{
  ow_error_clear ();
  assert_int_equal (ow_pe_check_driver (buf, len, arch, "viostor.sys"), -1);
  assert_int_equal (ow_error_class (), OW_ERR_INVALID);
  if (strstr (ow_error_message (), words) == NULL
      || strstr (ow_error_message (), "viostor.sys") == NULL)
    fail_msg ("message \"%s\" lacks \"%s\" or the file name", ow_error_message (), words);
}

static void
test_right_arch_passes (void **state)
{
  static const struct { uint16_t machine; const char *names[2]; } cases[] = {
    { 0x8664, { "amd64", "x86_64" } },
    { 0x014c, { "x86", "i386" } },
    { 0xaa64, { "arm64", "aarch64" } },
  };
  uint8_t buf[PE_IMAGE_SIZE];

  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pe_image_build (buf, cases[i].machine, 1);
    for (size_t k = 0; k < 2; k++)
      if (ow_pe_check_driver (buf, sizeof buf, cases[i].names[k], "x.sys") != 0)
        fail_msg ("%s: %s", cases[i].names[k], ow_error_message ());
  }
}

static void
test_wrong_arch_refused (void **state)
{
  uint8_t buf[PE_IMAGE_SIZE];

  (void) state;
  pe_image_build (buf, 0x8664, 1);
  expect_refused (buf, sizeof buf, "x86", "built for amd64 (machine 0x8664), the image is x86");
  expect_refused (buf, sizeof buf, "arm64", "built for amd64");
  pe_image_build (buf, 0xaa64, 1);
  expect_refused (buf, sizeof buf, "amd64", "built for arm64");
  pe_image_build (buf, 0x014c, 1);
  expect_refused (buf, sizeof buf, "amd64", "built for x86");
  expect_refused (buf, sizeof buf, "mips", "unknown architecture \"mips\"");
}

static void
test_not_a_driver_refused (void **state)
{
  uint8_t buf[PE_IMAGE_SIZE];

  (void) state;
  pe_image_build (buf, 0x8664, 3);   /* a console program */
  expect_refused (buf, sizeof buf, "amd64", "PE subsystem 3, a driver has 1 (native)");
  pe_image_build (buf, 0x8664, 1);
  pe_put16 (buf + PE_LFANEW + 4 + 20, 0x10B);   /* PE32 header on an amd64 image */
  expect_refused (buf, sizeof buf, "amd64", "optional header magic 0x10b");
  pe_image_build (buf, 0x8664, 1);
  pe_put16 (buf + PE_LFANEW + 4 + 16, 0);       /* no optional header */
  expect_refused (buf, sizeof buf, "amd64", "optional header is missing or truncated");
  pe_image_build (buf, 0x8664, 1);
  buf[0] = 'Z';
  expect_refused (buf, sizeof buf, "amd64", "not a PE image");
  pe_image_build (buf, 0x8664, 1);
  pe_put32 (buf + 0x3C, 0xFFFFFFF0);            /* e_lfanew beyond the file */
  expect_refused (buf, sizeof buf, "amd64", "not a PE image");
}

/* Every prefix of a good image short of the Subsystem field is refused
 * (and read within its bounds: ASan). */
static void
test_truncated_refused (void **state)
{
  uint8_t buf[PE_IMAGE_SIZE];
  size_t need = PE_LFANEW + 4 + 20 + 70;

  (void) state;
  pe_image_build (buf, 0x8664, 1);
  for (size_t len = 0; len < need; len++) {
    uint8_t *copy = malloc (len ? len : 1);
    assert_non_null (copy);
    memcpy (copy, buf, len);
    assert_int_equal (ow_pe_check_driver (copy, len, "amd64", "viostor.sys"), -1);
    free (copy);
  }
  assert_int_equal (ow_pe_check_driver (buf, need, "amd64", "viostor.sys"), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_right_arch_passes),
    cmocka_unit_test (test_wrong_arch_refused),
    cmocka_unit_test (test_not_a_driver_refused),
    cmocka_unit_test (test_truncated_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
