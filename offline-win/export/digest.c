/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SHA-256 and MD5 of the output, each on its own thread so that hashing
 * overlaps the copy.  OpenSSL's EVP interface does the hashing. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "export/export.h"

/* Zeros are hashed from one shared read-only buffer of this size. */
#define ZERO_BUF   (1024u * 1024)
/* Read-back request size when hashing a finished file. */
#define READ_BUF   (4u * 1024 * 1024)
#define NHASHERS   2

struct hasher {
  struct exp_digest *d;
  pthread_t thread;
  bool started;
  EVP_MD_CTX *ctx;
  const void *buf;
  size_t len;
  bool job, failed;
};

struct exp_digest {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool quit;
  struct hasher h[NHASHERS];
  uint8_t *zeros;
};

static void *
hasher_main (void *arg)
{
  struct hasher *h = arg;
  struct exp_digest *d = h->d;

  pthread_mutex_lock (&d->lock);
  for (;;) {
    while (!h->job && !d->quit)
      pthread_cond_wait (&d->cond, &d->lock);
    if (!h->job)
      break;
    pthread_mutex_unlock (&d->lock);
    bool ok = EVP_DigestUpdate (h->ctx, h->buf, h->len) == 1;
    pthread_mutex_lock (&d->lock);
    if (!ok)
      h->failed = true;
    h->job = false;
    pthread_cond_broadcast (&d->cond);
  }
  pthread_mutex_unlock (&d->lock);
  return NULL;
}

struct exp_digest *
exp_digest_new (void)
{
  struct exp_digest *d;
  int e;

  d = calloc (1, sizeof *d);
  if (d == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  pthread_mutex_init (&d->lock, NULL);
  pthread_cond_init (&d->cond, NULL);
  d->zeros = calloc (1, ZERO_BUF);
  if (d->zeros == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto fail;
  }
  for (int i = 0; i < NHASHERS; i++) {
    struct hasher *h = &d->h[i];
    h->d = d;
    h->ctx = EVP_MD_CTX_new ();
    if (h->ctx == NULL || EVP_DigestInit_ex (h->ctx, i == 0 ? EVP_sha256 () : EVP_md5 (),
                                       NULL) != 1) {
      ow_err (EIO, "OpenSSL cannot start a %s digest", i == 0 ? "SHA-256" : "MD5");
      goto fail;
    }
    e = pthread_create (&h->thread, NULL, hasher_main, h);
    if (e != 0) {
      ow_err (e, "cannot start a digest thread");
      goto fail;
    }
    h->started = true;
  }
  return d;
 fail:
  exp_digest_free (d);
  return NULL;
}

/* Called with the lock held. */
static int
wait_idle (struct exp_digest *d)
{
  bool failed = false;

  for (int i = 0; i < NHASHERS; i++) {
    while (d->h[i].job)
      pthread_cond_wait (&d->cond, &d->lock);
    failed |= d->h[i].failed;
  }
  return failed ? ow_err (EIO, "OpenSSL digest update failed") : 0;
}

int
exp_digest_wait (struct exp_digest *d)
{
  int r;

  pthread_mutex_lock (&d->lock);
  r = wait_idle (d);
  pthread_mutex_unlock (&d->lock);
  return r;
}

int
exp_digest_feed (struct exp_digest *d, const void *buf, size_t len)
{
  int r;

  if (len == 0)
    return 0;
  pthread_mutex_lock (&d->lock);
  r = wait_idle (d);
  if (r == 0) {
    for (int i = 0; i < NHASHERS; i++) {
      d->h[i].buf = buf;
      d->h[i].len = len;
      d->h[i].job = true;
    }
    pthread_cond_broadcast (&d->cond);
  }
  pthread_mutex_unlock (&d->lock);
  return r;
}

int
exp_digest_zeros (struct exp_digest *d, uint64_t len)
{
  while (len > 0) {
    size_t n = len < ZERO_BUF ? (size_t) len : ZERO_BUF;
    if (exp_digest_feed (d, d->zeros, n) == -1)
      return -1;
    len -= n;
  }
  return 0;
}

/* Read exactly LEN bytes at OFF (the file cannot be shorter: we made it). */
static int
read_full (int fd, uint8_t *buf, size_t len, uint64_t off, const char *path)
{
  while (len > 0) {
    ssize_t r = pread (fd, buf, len, (off_t) off);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1)
      return ow_err (errno, "%s: read back at %" PRIu64 ": %m", path, off);
    if (r == 0)
      return ow_err (EIO, "%s: shorter than written (at %" PRIu64 ")", path, off);
    buf += r;
    len -= (size_t) r;
    off += (uint64_t) r;
  }
  return 0;
}

int
exp_digest_file (struct exp_digest *d, int fd, uint64_t size, const char *path)
{
  uint8_t *buf[2] = { NULL, NULL };
  uint64_t pos = 0;
  int cur = 0, ret = -1;

  buf[0] = malloc (READ_BUF);
  buf[1] = malloc (READ_BUF);
  if (!buf[0] || !buf[1]) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  while (pos < size) {
    off_t data = lseek (fd, (off_t) pos, SEEK_DATA), hole;
    uint64_t dend;

    if (data == -1 && errno == ENXIO)
      data = (off_t) size;           /* only a hole is left */
    else if (data == -1) {
      data = (off_t) pos;            /* no SEEK_DATA: read everything */
      hole = (off_t) size;
      goto have_hole;
    }
    if ((uint64_t) data > size)
      data = (off_t) size;
    if (exp_digest_zeros (d, (uint64_t) data - pos) == -1)
      goto out;
    pos = (uint64_t) data;
    if (pos >= size)
      break;
    hole = lseek (fd, data, SEEK_HOLE);
    if (hole == -1 || (uint64_t) hole > size)
      hole = (off_t) size;
  have_hole:
    dend = (uint64_t) hole;
    while (pos < dend) {
      size_t n = dend - pos < READ_BUF ? (size_t) (dend - pos) : READ_BUF;
      if (read_full (fd, buf[cur], n, pos, path) == -1
          || exp_digest_feed (d, buf[cur], n) == -1)
        goto out;
      cur ^= 1;
      pos += n;
    }
  }
  ret = 0;
 out:
  /* The hashers may still read the last buffer. */
  if (exp_digest_wait (d) == -1)
    ret = -1;
  free (buf[0]);
  free (buf[1]);
  return ret;
}

static void
to_hex (const uint8_t *b, unsigned n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  for (unsigned i = 0; i < n; i++) {
    out[2 * i] = hex[b[i] >> 4];
    out[2 * i + 1] = hex[b[i] & 15];
  }
  out[2 * n] = '\0';
}

int
exp_digest_final (struct exp_digest *d, char sha256[65], char md5[33])
{
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned n = 0;

  if (exp_digest_wait (d) == -1)
    return -1;
  if (EVP_DigestFinal_ex (d->h[0].ctx, md, &n) != 1 || n != 32)
    return ow_err (EIO, "OpenSSL SHA-256 final failed");
  to_hex (md, n, sha256);
  if (EVP_DigestFinal_ex (d->h[1].ctx, md, &n) != 1 || n != 16)
    return ow_err (EIO, "OpenSSL MD5 final failed");
  to_hex (md, n, md5);
  return 0;
}

void
exp_digest_free (struct exp_digest *d)
{
  if (d == NULL)
    return;
  pthread_mutex_lock (&d->lock);
  /* Not wait_idle: freeing after a failure must keep the first message. */
  for (int i = 0; i < NHASHERS; i++)
    while (d->h[i].job)
      pthread_cond_wait (&d->cond, &d->lock);
  d->quit = true;
  pthread_cond_broadcast (&d->cond);
  pthread_mutex_unlock (&d->lock);
  for (int i = 0; i < NHASHERS; i++) {
    if (d->h[i].started)
      pthread_join (d->h[i].thread, NULL);
    if (d->h[i].ctx)
      EVP_MD_CTX_free (d->h[i].ctx);
  }
  pthread_cond_destroy (&d->cond);
  pthread_mutex_destroy (&d->lock);
  free (d->zeros);
  free (d);
}
