/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UTF-16LE <-> UTF-8 conversion: tables of inputs with hand-computed
 * expected bytes (from the Unicode code charts, not from our encoder). */
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

struct decode_case {
  const char *what;
  const char *utf16;            /* raw bytes */
  size_t len;
  const char *utf8;
};

static const struct decode_case decode_cases[] = {
  { "empty", "", 0, "" },
  { "ascii", "H\0i\0", 4, "Hi" },
  { "ascii with terminator", "H\0i\0\0\0", 6, "Hi" },
  { "stops at first NUL", "a\0\0\0b\0", 6, "a" },
  { "e acute U+00E9", "\xe9\x00", 2, "\xc3\xa9" },
  { "nihon U+65E5 U+672C", "\xe5\x65\x2c\x67", 4, "\xe6\x97\xa5\xe6\x9c\xac" },
  { "emoji U+1F600 via surrogates", "\x3d\xd8\x00\xde", 4, "\xf0\x9f\x98\x80" },
  { "U+10FFFF (DBFF DFFF)", "\xff\xdb\xff\xdf", 4, "\xf4\x8f\xbf\xbf" },
  { "lone high surrogate at end", "A\0\x3d\xd8", 4, "A\xef\xbf\xbd" },
  { "lone high surrogate then letter", "\x3d\xd8" "B\0", 4, "\xef\xbf\xbd" "B" },
  { "lone low surrogate", "\x00\xde" "C\0", 4, "\xef\xbf\xbd" "C" },
  { "two high surrogates then low", "\x3d\xd8\x3d\xd8\x00\xde", 6,
    "\xef\xbf\xbd\xf0\x9f\x98\x80" },
  { "odd length: trailing byte ignored", "A\0B", 3, "A" },
  { "odd length 1", "A", 1, "" },
  { "high surrogate, odd trailing byte", "\x3d\xd8\x00", 3, "\xef\xbf\xbd" },
};

static void
test_decode (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (decode_cases); i++) {
    const struct decode_case *c = &decode_cases[i];
    char *s = ow_utf16le_to_utf8 (c->utf16, c->len);

    print_message ("decode: %s\n", c->what);
    assert_non_null (s);
    assert_string_equal (s, c->utf8);
    free (s);
  }
}

struct encode_case {
  const char *what;
  const char *utf8;
  const char *utf16;            /* expected, including the terminator */
  size_t len;
};

static const struct encode_case encode_cases[] = {
  { "empty", "", "\0\0", 2 },
  { "ascii", "Hi", "H\0i\0\0\0", 6 },
  { "e acute", "caf\xc3\xa9", "c\0a\0f\0\xe9\0\0\0", 10 },
  { "nihon", "\xe6\x97\xa5\xe6\x9c\xac", "\xe5\x65\x2c\x67\0\0", 6 },
  { "emoji", "\xf0\x9f\x98\x80", "\x3d\xd8\x00\xde\0\0", 6 },
  { "U+10FFFF", "\xf4\x8f\xbf\xbf", "\xff\xdb\xff\xdf\0\0", 6 },
  { "U+FFFF", "\xef\xbf\xbf", "\xff\xff\0\0", 4 },
};

static void
test_encode (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (encode_cases); i++) {
    const struct encode_case *c = &encode_cases[i];
    size_t len = 12345;
    void *u = ow_utf8_to_utf16le (c->utf8, &len);

    print_message ("encode: %s\n", c->what);
    assert_non_null (u);
    assert_int_equal (len, c->len);
    assert_memory_equal (u, c->utf16, c->len);
    free (u);
  }
}

static const struct {
  const char *what;
  const char *utf8;
} invalid_utf8[] = {
  { "stray continuation byte", "a\x80" "b" },
  { "truncated 2-byte sequence", "\xc3" },
  { "truncated 3-byte sequence", "\xe6\x97" },
  { "truncated 4-byte at end", "x\xf0\x9f\x98" },
  { "overlong NUL C0 80", "\xc0\x80" },
  { "overlong slash C1 AF", "\xc1\xaf" },
  { "overlong 3-byte E0 80 AF", "\xe0\x80\xaf" },
  { "overlong 4-byte F0 80 80 AF", "\xf0\x80\x80\xaf" },
  { "encoded surrogate ED A0 80", "\xed\xa0\x80" },
  { "above U+10FFFF F4 90 80 80", "\xf4\x90\x80\x80" },
  { "F5 lead byte", "\xf5\x80\x80\x80" },
  { "FF byte", "ok\xff" },
  { "latin-1 e acute", "caf\xe9" },
};

static void
test_encode_rejects_invalid_utf8 (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (invalid_utf8); i++) {
    size_t len = 0;
    void *u;

    print_message ("invalid: %s\n", invalid_utf8[i].what);
    errno = 0;
    u = ow_utf8_to_utf16le (invalid_utf8[i].utf8, &len);
    assert_null (u);
    assert_int_equal (errno, EILSEQ);
    assert_int_equal (ow_error_errno (), EILSEQ);
    assert_non_null (strstr (ow_error_message (), "UTF-8"));
  }
}

static const char *const round_trip[] = {
  "",
  "C:\\Windows\\System32",
  "Syst\xc3\xa8me r\xc3\xa9serv\xc3\xa9",
  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
  "mix \xf0\x9f\x98\x80 \xf0\x90\x80\x80 end \xf4\x8f\xbf\xbf",
  "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbd",
};

static void
test_round_trip (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (round_trip); i++) {
    size_t len;
    void *u = ow_utf8_to_utf16le (round_trip[i], &len);
    char *back;

    assert_non_null (u);
    assert_int_equal (len % 2, 0);
    back = ow_utf16le_to_utf8 (u, len);
    assert_non_null (back);
    assert_string_equal (back, round_trip[i]);
    free (back);
    free (u);
  }
}

/* Every BMP scalar value and a sample of supplementary ones survive
 * UTF-16 -> UTF-8 -> UTF-16 unchanged. */
static void
test_round_trip_all_bmp (void **state)
{
  (void) state;
  for (uint32_t c = 1; c <= 0x10FFFF; c += c < 0x10000 ? 1 : 97) {
    uint8_t in[6] = { 0 };
    size_t inlen, outlen;
    char *s;
    uint8_t *out;

    if (c >= 0xD800 && c <= 0xDFFF)
      continue;
    if (c < 0x10000) {
      in[0] = c & 0xff; in[1] = c >> 8;
      inlen = 2;
    }
    else {
      uint32_t v = c - 0x10000, hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3ff);
      in[0] = hi & 0xff; in[1] = hi >> 8; in[2] = lo & 0xff; in[3] = lo >> 8;
      inlen = 4;
    }
    s = ow_utf16le_to_utf8 (in, inlen);
    assert_non_null (s);
    out = ow_utf8_to_utf16le (s, &outlen);
    assert_non_null (out);
    assert_int_equal (outlen, inlen + 2);
    assert_memory_equal (out, in, inlen + 2);
    free (out);
    free (s);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_decode),
    cmocka_unit_test (test_encode),
    cmocka_unit_test (test_encode_rejects_invalid_utf8),
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_round_trip_all_bmp),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
