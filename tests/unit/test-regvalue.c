/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Registry value codecs: SZ, MULTI_SZ, DWORD, QWORD both ways.  Expected
 * bytes are written out by hand as regedit stores them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "offlinewin.h"

#define ARRAY_SIZE(a) (sizeof (a) / sizeof (a)[0])

/* ---- REG_SZ / REG_EXPAND_SZ ------------------------------------------ */

static const struct {
  const char *what, *data;
  size_t len;
  const char *want;
} sz_decode[] = {
  { "terminated", "a\0b\0\0\0", 6, "ab" },
  { "unterminated (Windows tolerates it)", "a\0b\0", 4, "ab" },
  { "odd trailing byte ignored", "a\0b\0X", 5, "ab" },
  { "empty value (0 bytes)", "", 0, "" },
  { "just a terminator", "\0\0", 2, "" },
  { "expand_sz with %", "%\0S\0%\0\0\0", 8, "%S%" },
  { "non-ASCII", "\xe9\0t\0\xe9\0\0\0", 8, "\xc3\xa9t\xc3\xa9" },
  { "garbage after terminator ignored", "a\0\0\0z\0z\0", 8, "a" },
};

static void
test_sz_decode (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (sz_decode); i++) {
    char *s = ow_reg_decode_sz (sz_decode[i].data, sz_decode[i].len);

    print_message ("sz decode: %s\n", sz_decode[i].what);
    assert_non_null (s);
    assert_string_equal (s, sz_decode[i].want);
    free (s);
  }
}

static void
test_sz_encode (void **state)
{
  size_t len = 0;
  uint8_t *d;

  (void) state;
  d = ow_reg_encode_sz ("C:\\W", &len);
  assert_non_null (d);
  assert_int_equal (len, 10);
  assert_memory_equal (d, "C\0:\0\\\0W\0\0\0", 10);
  free (d);

  d = ow_reg_encode_sz ("", &len);
  assert_non_null (d);
  assert_int_equal (len, 2);
  assert_memory_equal (d, "\0\0", 2);
  free (d);

  errno = 0;
  assert_null (ow_reg_encode_sz ("bad\xff", &len));
  assert_int_equal (errno, EILSEQ);
}

/* ---- REG_MULTI_SZ ---------------------------------------------------- */

static const struct {
  const char *what, *data;
  size_t len;
  size_t n;
  const char *want[4];
} msz_decode[] = {
  { "two strings, canonical", "a\0\0\0b\0c\0\0\0\0\0", 12, 2, { "a", "bc" } },
  { "empty list: two zero bytes", "\0\0", 2, 0, { NULL } },
  { "empty list: zero bytes", "", 0, 0, { NULL } },
  { "missing final extra NUL", "a\0\0\0b\0\0\0", 8, 2, { "a", "b" } },
  { "missing both NULs", "a\0\0\0b\0", 6, 2, { "a", "b" } },
  { "embedded empty string ends the list", "a\0\0\0\0\0b\0\0\0\0\0", 12, 1, { "a" } },
  { "odd trailing byte", "x\0\0\0\0\0Q", 7, 1, { "x" } },
  { "odd length mid-string", "x\0y", 3, 1, { "x" } },
  { "non-ASCII and surrogates", "\xe9\0\0\0\x3d\xd8\x00\xde\0\0\0\0", 12, 2,
    { "\xc3\xa9", "\xf0\x9f\x98\x80" } },
  { "single string", "o\0n\0e\0\0\0\0\0", 10, 1, { "one" } },
};

static void
test_multi_sz_decode (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (msz_decode); i++) {
    size_t n = 999;
    char **v;

    print_message ("multi_sz decode: %s\n", msz_decode[i].what);
    v = ow_reg_decode_multi_sz (msz_decode[i].data, msz_decode[i].len, &n);
    assert_non_null (v);
    assert_int_equal (n, msz_decode[i].n);
    for (size_t k = 0; k < n; k++) {
      assert_non_null (v[k]);
      assert_string_equal (v[k], msz_decode[i].want[k]);
    }
    assert_null (v[n]);
    ow_strv_free (v);
  }
}

static const struct {
  const char *what;
  const char *strs[3];
  size_t n;
  const char *bytes;
  size_t len;
} msz_encode[] = {
  { "empty list is two zero bytes", { NULL }, 0, "\0\0", 2 },
  { "one string", { "ab" }, 1, "a\0b\0\0\0\0\0", 8 },
  { "three strings", { "a", "b", "c" }, 3, "a\0\0\0b\0\0\0c\0\0\0\0\0", 14 },
  { "non-ASCII", { "\xc3\xa9" }, 1, "\xe9\0\0\0\0\0", 6 },
};

static void
test_multi_sz_encode (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (msz_encode); i++) {
    size_t len = 0, n = 0;
    void *d;
    char **back;

    print_message ("multi_sz encode: %s\n", msz_encode[i].what);
    d = ow_reg_encode_multi_sz (msz_encode[i].strs, msz_encode[i].n, &len);
    assert_non_null (d);
    assert_int_equal (len, msz_encode[i].len);
    assert_memory_equal (d, msz_encode[i].bytes, len);
    back = ow_reg_decode_multi_sz (d, len, &n);
    assert_non_null (back);
    assert_int_equal (n, msz_encode[i].n);
    for (size_t k = 0; k < n; k++)
      assert_string_equal (back[k], msz_encode[i].strs[k]);
    ow_strv_free (back);
    free (d);
  }
}

static void
test_multi_sz_encode_rejects (void **state)
{
  const char *with_empty[] = { "a", "", "b" };
  const char *bad_utf8[] = { "ok", "\xc3" };
  size_t len;

  (void) state;
  errno = 0;
  assert_null (ow_reg_encode_multi_sz (with_empty, 3, &len));
  assert_int_equal (errno, EINVAL);
  assert_non_null (strstr (ow_error_message (), "empty"));

  errno = 0;
  assert_null (ow_reg_encode_multi_sz (bad_utf8, 2, &len));
  assert_int_equal (errno, EILSEQ);
  assert_non_null (strstr (ow_error_message (), "string 1"));
}

/* ---- DWORD / QWORD --------------------------------------------------- */

static void
test_dword (void **state)
{
  static const size_t bad_lens[] = { 0, 1, 3, 5, 8 };
  uint8_t b[4];
  uint32_t v = 0;

  (void) state;
  ow_reg_encode_dword (0x12345678u, b);
  assert_memory_equal (b, "\x78\x56\x34\x12", 4);
  assert_int_equal (ow_reg_decode_dword (b, 4, &v), 0);
  assert_int_equal (v, 0x12345678u);
  assert_int_equal (ow_reg_decode_dword ("\xff\xff\xff\xff", 4, &v), 0);
  assert_int_equal (v, 0xffffffffu);

  for (size_t i = 0; i < ARRAY_SIZE (bad_lens); i++) {
    v = 42;
    errno = 0;
    assert_int_equal (ow_reg_decode_dword ("\1\2\3\4\5\6\7\10", bad_lens[i], &v), -1);
    assert_int_equal (errno, EINVAL);
    assert_int_equal (v, 42);
    assert_non_null (strstr (ow_error_message (), "REG_DWORD"));
  }
}

static void
test_qword (void **state)
{
  static const size_t bad_lens[] = { 0, 4, 7, 9, 16 };
  uint8_t b[8];
  uint64_t v = 0;

  (void) state;
  ow_reg_encode_qword (0x0102030405060708ull, b);
  assert_memory_equal (b, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
  assert_int_equal (ow_reg_decode_qword (b, 8, &v), 0);
  assert_true (v == 0x0102030405060708ull);
  assert_int_equal (ow_reg_decode_qword ("\0\0\0\0\0\0\0\x80", 8, &v), 0);
  assert_true (v == 0x8000000000000000ull);

  for (size_t i = 0; i < ARRAY_SIZE (bad_lens); i++) {
    v = 42;
    errno = 0;
    assert_int_equal (ow_reg_decode_qword ("0123456789abcdef", bad_lens[i], &v), -1);
    assert_int_equal (errno, EINVAL);
    assert_true (v == 42);
  }
}

static void
test_strv_free_null (void **state)
{
  (void) state;
  ow_strv_free (NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sz_decode),
    cmocka_unit_test (test_sz_encode),
    cmocka_unit_test (test_multi_sz_decode),
    cmocka_unit_test (test_multi_sz_encode),
    cmocka_unit_test (test_multi_sz_encode_rejects),
    cmocka_unit_test (test_dword),
    cmocka_unit_test (test_qword),
    cmocka_unit_test (test_strv_free_null),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
