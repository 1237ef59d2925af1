/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Registry value data <-> C values.  The raw bytes come from hivex (or
 * go to it); their meaning follows winnt.h and what regedit writes.
 *
 * REG_MULTI_SZ on disk: each string NUL-terminated, then one more NUL.
 * Windows stops at the first empty string, and many writers forget the
 * final NUL (or both); decoding accepts all of that, encoding always
 * writes the canonical form. */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

char *
ow_reg_decode_sz (const void *data, size_t len)
{
  return ow_utf16le_to_utf8 (data, len);
}

/* Length in code units of the string starting at unit I (up to a NUL or
 * the end of the data). */
static size_t
unit_strlen (const uint8_t *p, size_t units, size_t i)
{
  size_t n = 0;

  while (i + n < units && ow_le16 (p + 2 * (i + n)) != 0)
    n++;
  return n;
}

char **
ow_reg_decode_multi_sz (const void *data, size_t len, size_t *count)
{
  const uint8_t *p = data;
  const size_t units = len / 2;
  size_t n = 0, i, k;
  char **v;

  /* Count first so that the vector is allocated once. */
  for (i = 0; i < units; ) {
    size_t l = unit_strlen (p, units, i);
    if (l == 0)
      break;
    n++;
    i += l + 1;
  }
  v = calloc (n + 1, sizeof *v);
  if (v == NULL) {
    ow_err (ENOMEM, "REG_MULTI_SZ: out of memory");
    return NULL;
  }
  for (i = 0, k = 0; k < n; k++) {
    size_t l = unit_strlen (p, units, i);

    v[k] = ow_utf16le_to_utf8 (p + 2 * i, 2 * l);
    if (v[k] == NULL) {
      ow_strv_free (v);
      return NULL;
    }
    i += l + 1;
  }
  if (count)
    *count = n;
  return v;
}

int
ow_reg_decode_dword (const void *data, size_t len, uint32_t *out)
{
  if (len != 4)
    return ow_err (EINVAL, "REG_DWORD value has %zu bytes, expected 4", len);
  *out = ow_le32 (data);
  return 0;
}

int
ow_reg_decode_qword (const void *data, size_t len, uint64_t *out)
{
  if (len != 8)
    return ow_err (EINVAL, "REG_QWORD value has %zu bytes, expected 8", len);
  *out = ow_le64 (data);
  return 0;
}

void *
ow_reg_encode_sz (const char *utf8, size_t *len)
{
  return ow_utf8_to_utf16le (utf8, len);
}

void *
ow_reg_encode_multi_sz (const char *const *strs, size_t n, size_t *len)
{
  uint8_t *out = NULL, *tmp;
  size_t total = 2, off = 0;    /* the final extra NUL */

  for (size_t i = 0; i < n; i++) {
    uint8_t *u;
    size_t ulen;

    /* An empty string would end the list early for every reader. */
    if (strs[i][0] == '\0') {
      free (out);
      ow_err_invalid ("REG_MULTI_SZ: string %zu is empty; it would end the list", i);
      return NULL;
    }
    u = ow_utf8_to_utf16le (strs[i], &ulen);
    if (u == NULL) {
      free (out);
      ow_err_context ("REG_MULTI_SZ string %zu", i);
      return NULL;
    }
    if (ulen > SIZE_MAX - total) {
      free (u);
      free (out);
      ow_err (ENOMEM, "REG_MULTI_SZ: value too large");
      return NULL;
    }
    total += ulen;
    tmp = realloc (out, total);
    if (tmp == NULL) {
      free (u);
      free (out);
      ow_err (ENOMEM, "REG_MULTI_SZ: out of memory");
      return NULL;
    }
    out = tmp;
    memcpy (out + off, u, ulen);        /* includes this string's NUL */
    off += ulen;
    free (u);
  }
  tmp = realloc (out, total);
  if (tmp == NULL) {
    free (out);
    ow_err (ENOMEM, "REG_MULTI_SZ: out of memory");
    return NULL;
  }
  out = tmp;
  ow_put_le16 (out + off, 0);
  if (len)
    *len = total;
  return out;
}

void
ow_reg_encode_dword (uint32_t v, uint8_t out[4])
{
  ow_put_le32 (out, v);
}

void
ow_reg_encode_qword (uint64_t v, uint8_t out[8])
{
  ow_put_le64 (out, v);
}
