/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UTF-16LE <-> UTF-8, as found in GPT names and registry strings.
 *
 * Decoding is lenient (what Windows wrote is what we show: unpaired
 * surrogates become U+FFFD rather than failing the whole value); encoding
 * is strict, because we write it to disk and Windows will read it. */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

#define REPLACEMENT_CHAR 0xFFFDu

static size_t
put_utf8 (char *out, uint32_t c)
{
  uint8_t *o = (uint8_t *) out;

  if (c < 0x80) {
    o[0] = (uint8_t) c;
    return 1;
  }
  if (c < 0x800) {
    o[0] = (uint8_t) (0xC0 | c >> 6);
    o[1] = (uint8_t) (0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    o[0] = (uint8_t) (0xE0 | c >> 12);
    o[1] = (uint8_t) (0x80 | ((c >> 6) & 0x3F));
    o[2] = (uint8_t) (0x80 | (c & 0x3F));
    return 3;
  }
  o[0] = (uint8_t) (0xF0 | c >> 18);
  o[1] = (uint8_t) (0x80 | ((c >> 12) & 0x3F));
  o[2] = (uint8_t) (0x80 | ((c >> 6) & 0x3F));
  o[3] = (uint8_t) (0x80 | (c & 0x3F));
  return 4;
}

char *
ow_utf16le_to_utf8 (const void *buf, size_t len)
{
  const uint8_t *in = buf;
  size_t units = len / 2;       /* an odd trailing byte is not a code unit */
  size_t o = 0;
  char *out;

  /* Worst case 3 bytes per code unit: a BMP character or U+FFFD is at most
   * 3 bytes, a surrogate pair (2 units) becomes 4. */
  if (units > (SIZE_MAX - 1) / 3) {
    ow_err (ENOMEM, "UTF-16 string of %zu bytes is too long", len);
    return NULL;
  }
  out = malloc (units * 3 + 1);
  if (out == NULL) {
    ow_err (ENOMEM, "UTF-16 to UTF-8: out of memory");
    return NULL;
  }
  for (size_t i = 0; i < units; i++) {
    uint32_t c = ow_le16 (in + 2 * i);

    if (c == 0)
      break;
    if (c >= 0xD800 && c <= 0xDBFF) {
      uint32_t lo = i + 1 < units ? ow_le16 (in + 2 * (i + 1)) : 0;

      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        i++;
      }
      else
        c = REPLACEMENT_CHAR;   /* the next unit is examined on its own */
    }
    else if (c >= 0xDC00 && c <= 0xDFFF)
      c = REPLACEMENT_CHAR;
    o += put_utf8 (out + o, c);
  }
  out[o] = '\0';
  return out;
}

/* Decode one UTF-8 sequence at S (NUL-terminated); returns its length, or
 * 0 if it is not well-formed (RFC 3629: no overlongs, no surrogates, at
 * most U+10FFFF). */
static size_t
get_utf8 (const uint8_t *s, uint32_t *cp)
{
  uint32_t c = s[0], min;
  size_t n;

  if (c < 0x80) { *cp = c; return 1; }
  else if (c >= 0xC2 && c <= 0xDF) { n = 2; c &= 0x1F; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; c &= 0x0F; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; c &= 0x07; min = 0x10000; }
  else return 0;
  for (size_t k = 1; k < n; k++) {
    /* A NUL terminator fails this test, so we never read past it. */
    if ((s[k] & 0xC0) != 0x80)
      return 0;
    c = c << 6 | (s[k] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *cp = c;
  return n;
}

void *
ow_utf8_to_utf16le (const char *s, size_t *outlen)
{
  const uint8_t *in = (const uint8_t *) s;
  size_t len = strlen (s), o = 0;
  uint8_t *out;

  /* Every input byte yields at most one code unit (a 4-byte sequence gives
   * two), plus the terminator. */
  if (len > SIZE_MAX / 2 - 1) {
    ow_err (ENOMEM, "UTF-8 string of %zu bytes is too long", len);
    return NULL;
  }
  out = malloc ((len + 1) * 2);
  if (out == NULL) {
    ow_err (ENOMEM, "UTF-8 to UTF-16: out of memory");
    return NULL;
  }
  for (size_t i = 0; i < len; ) {
    uint32_t c;
    size_t n = get_utf8 (in + i, &c);

    if (n == 0) {
      free (out);
      ow_err (EILSEQ, "invalid UTF-8 at byte %zu (0x%02x)", i, in[i]);
      return NULL;
    }
    i += n;
    if (c >= 0x10000) {
      c -= 0x10000;
      ow_put_le16 (out + o, (uint16_t) (0xD800 + (c >> 10)));
      ow_put_le16 (out + o + 2, (uint16_t) (0xDC00 + (c & 0x3FF)));
      o += 4;
    }
    else {
      ow_put_le16 (out + o, (uint16_t) c);
      o += 2;
    }
  }
  ow_put_le16 (out + o, 0);
  o += 2;
  if (outlen)
    *outlen = o;
  return out;
}
