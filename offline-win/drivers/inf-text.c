/* SPDX-License-Identifier: GPL-3.0-or-later */
/* INF bytes -> UTF-8 text.  Windows reads INFs as UTF-16LE ("Unicode",
 * with a BOM as its tools write them) or as ANSI in the system code page;
 * stampinf and most driver kits keep them ANSI/ASCII (docs/drivers.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "inf.h"

/* Windows-1252 0x80..0x9F (0 = undefined, kept as U+FFFD). */
static const uint16_t cp1252_hi[32] = {
  0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
  0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static size_t
put_utf8 (char *o, uint32_t c)
{
  if (c < 0x80) { o[0] = (char) c; return 1; }
  if (c < 0x800) {
    o[0] = (char) (0xC0 | c >> 6); o[1] = (char) (0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    o[0] = (char) (0xE0 | c >> 12); o[1] = (char) (0x80 | ((c >> 6) & 0x3F));
    o[2] = (char) (0x80 | (c & 0x3F));
    return 3;
  }
  o[0] = (char) (0xF0 | c >> 18); o[1] = (char) (0x80 | ((c >> 12) & 0x3F));
  o[2] = (char) (0x80 | ((c >> 6) & 0x3F)); o[3] = (char) (0x80 | (c & 0x3F));
  return 4;
}

static char *
from_utf16 (const uint8_t *in, size_t len)
{
  size_t units, o = 0;
  char *out;

  if (len % 2 != 0) {
    ow_err (EILSEQ, "UTF-16 INF of %zu bytes: an odd length (truncated file)", len);
    return NULL;
  }
  units = len / 2;
  out = malloc (units * 3 + 1);         /* len <= OW_INF_MAX_SIZE: no overflow */
  if (out == NULL) {
    ow_err (ENOMEM, "INF text: out of memory");
    return NULL;
  }
  for (size_t i = 0; i < units; i++) {
    uint32_t c = ow_le16 (in + 2 * i);

    if (c == 0) {
      free (out);
      ow_err (EILSEQ, "UTF-16 INF: a NUL character at byte %zu", 2 * i);
      return NULL;
    }
    if (c >= 0xD800 && c <= 0xDBFF) {
      uint32_t lo = i + 1 < units ? ow_le16 (in + 2 * (i + 1)) : 0;

      if (lo < 0xDC00 || lo > 0xDFFF) {
        free (out);
        ow_err (EILSEQ, "UTF-16 INF: an unpaired surrogate at byte %zu%s", 2 * i,
                i + 1 == units ? " (truncated file)" : "");
        return NULL;
      }
      c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
      i++;
    }
    else if (c >= 0xDC00 && c <= 0xDFFF) {
      free (out);
      ow_err (EILSEQ, "UTF-16 INF: an unpaired surrogate at byte %zu", 2 * i);
      return NULL;
    }
    o += put_utf8 (out + o, c);
  }
  out[o] = '\0';
  return out;
}

/* Length of the well-formed UTF-8 sequence at S (N bytes left), 0 if not. */
static size_t
utf8_seq (const uint8_t *s, size_t n)
{
  uint32_t c = s[0], min;
  size_t k;

  if (c < 0x80) return 1;
  else if (c >= 0xC2 && c <= 0xDF) { k = 2; c &= 0x1F; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { k = 3; c &= 0x0F; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { k = 4; c &= 0x07; min = 0x10000; }
  else return 0;
  if (k > n)
    return 0;
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    c = c << 6 | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  return k;
}

static char *
from_8bit (const uint8_t *in, size_t len)
{
  bool utf8 = true;
  size_t o = 0;
  char *out;

  for (size_t i = 0; i < len; ) {
    size_t k;

    if (in[i] == 0) {
      ow_err (EILSEQ, "INF: a NUL byte at offset %zu (a UTF-16BE or binary file?)", i);
      return NULL;
    }
    k = utf8_seq (in + i, len - i);
    if (k == 0) {
      utf8 = false;
      i++;
    }
    else
      i += k;
  }
  out = malloc (len * 3 + 1);           /* a 1252 byte is at most 3 UTF-8 bytes */
  if (out == NULL) {
    ow_err (ENOMEM, "INF text: out of memory");
    return NULL;
  }
  if (utf8) {
    memcpy (out, in, len);
    o = len;
  }
  else
    for (size_t i = 0; i < len; i++) {
      uint32_t c = in[i];

      if (c >= 0x80 && c < 0xA0)
        c = cp1252_hi[c - 0x80] ? cp1252_hi[c - 0x80] : 0xFFFD;
      o += put_utf8 (out + o, c);
    }
  out[o] = '\0';
  return out;
}

char *
ow_inf_decode (const void *buf, size_t len)
{
  const uint8_t *b = buf;

  if (len > OW_INF_MAX_SIZE) {
    ow_err (EFBIG, "INF of %zu bytes: more than the %u allowed", len, OW_INF_MAX_SIZE);
    return NULL;
  }
  if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE)
    return from_utf16 (b + 2, len - 2);
  if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
    ow_err (EILSEQ, "INF in UTF-16BE: Windows reads only UTF-16LE and ANSI");
    return NULL;
  }
  if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
    return from_8bit (b + 3, len - 3);
  /* No BOM: an INF starts with ASCII, so UTF-16LE shows a zero second
   * byte (an odd length then means a truncated file). */
  if (len >= 2 && b[0] != 0 && b[1] == 0)
    return from_utf16 (b, len);
  return from_8bit (b, len);
}
