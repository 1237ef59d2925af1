/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small helpers: time, randomness, hex/base64, whole-file reads. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "agent.h"

double
ce_mono_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

void
ce_time_format (const struct timespec *ts, char buf[CE_TIME_BUF])
{
  struct tm tm;
  gmtime_r (&ts->tv_sec, &tm);
  snprintf (buf, CE_TIME_BUF, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec, (long) (ts->tv_nsec / 1000000));
}

int
ce_random_bytes (void *buf, size_t len)
{
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t r = getrandom (p, len, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += r;
    len -= (size_t) r;
  }
  return 0;
}

void
ce_hex_encode (const uint8_t *in, size_t len, char *out)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * len] = '\0';
}

static int
hexval (char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int
ce_hex_decode (const char *hex, uint8_t *out, size_t len)
{
  if (strlen (hex) != 2 * len)
    return -1;
  for (size_t i = 0; i < len; i++) {
    int hi = hexval (hex[2 * i]), lo = hexval (hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (uint8_t) (hi << 4 | lo);
  }
  return 0;
}

uint8_t *
ce_base64_decode (const char *in, size_t inlen, size_t *outlen)
{
  EVP_ENCODE_CTX *ctx = NULL;
  uint8_t *out = NULL;
  int n1 = 0, n2 = 0;

  if (inlen > INT_MAX / 2)
    return NULL;
  ctx = EVP_ENCODE_CTX_new ();
  out = malloc (inlen / 4 * 3 + 4);
  if (!ctx || !out)
    goto fail;
  EVP_DecodeInit (ctx);
  if (EVP_DecodeUpdate (ctx, out, &n1, (const unsigned char *) in,
                        (int) inlen) < 0)
    goto fail;
  if (EVP_DecodeFinal (ctx, out + n1, &n2) < 0)
    goto fail;
  EVP_ENCODE_CTX_free (ctx);
  *outlen = (size_t) n1 + (size_t) n2;
  return out;
 fail:
  EVP_ENCODE_CTX_free (ctx);
  free (out);
  return NULL;
}

char *
ce_base64_encode (const uint8_t *in, size_t len)
{
  char *out;
  if (len > INT_MAX / 2)
    return NULL;
  out = malloc ((len + 2) / 3 * 4 + 1);
  if (!out)
    return NULL;
  EVP_EncodeBlock ((unsigned char *) out, in, (int) len);
  return out;
}

char *
ce_read_file (const char *path, size_t max, size_t *lenp)
{
  int fd = -1, saved;
  char *buf = NULL;
  size_t len = 0, cap = 4096;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  buf = malloc (cap + 1);
  if (!buf)
    goto fail;
  for (;;) {
    if (len == cap) {
      if (cap >= max + 1) {
        errno = EFBIG;
        goto fail;
      }
      size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
      char *nb = realloc (buf, ncap + 1);
      if (!nb)
        goto fail;
      buf = nb;
      cap = ncap;
    }
    ssize_t r = read (fd, buf + len, cap - len);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      goto fail;
    }
    if (r == 0)
      break;
    len += (size_t) r;
  }
  if (len > max) {
    errno = EFBIG;
    goto fail;
  }
  close (fd);
  buf[len] = '\0';
  if (lenp)
    *lenp = len;
  return buf;
 fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  free (buf);
  errno = saved;
  return NULL;
}

int
ce_uuid (char buf[37])
{
  uint8_t b[16];
  if (ce_random_bytes (b, sizeof b) == -1)
    return -1;
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  snprintf (buf, 37,
            "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
            b[10], b[11], b[12], b[13], b[14], b[15]);
  return 0;
}
