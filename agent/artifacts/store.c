/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Artifact store: PUT /v1/artifacts/{name} streams the body to a hidden
 * temporary file in the store directory while hashing it (SHA-256, OpenSSL
 * EVP); only when the digest matches X-Content-SHA256 is it fsync'd and
 * renamed to NAME, unless a running job uses NAME (refs.c: 409).  The
 * whole store is bounded by --artifact-max-bytes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "agent.h"

struct ce_upload {
  char *name;
  char *tmp_path, *final_path;
  int fd;
  EVP_MD_CTX *md;
  uint8_t want[32];
  uint64_t written;
  uint64_t limit;
};

/* Only one upload may reserve store space at a time so two concurrent
 * uploads cannot both pass the space check. */
static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t reserved;

static uint64_t
store_used (void)
{
  DIR *d = opendir (ce_agent.artifact_dir);
  struct dirent *de;
  uint64_t total = 0;
  struct stat st;
  if (!d)
    return 0;
  while ((de = readdir (d)))
    if (de->d_name[0] != '.' &&
        fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG (st.st_mode))
      total += (uint64_t) st.st_size;
  closedir (d);
  return total;
}

static int
parse_digest (const char *hdr, uint8_t out[32])
{
  if (!hdr)
    return -1;
  if (!strncasecmp (hdr, "sha256:", 7))
    hdr += 7;
  return ce_hex_decode (hdr, out, 32);
}

struct ce_upload *
ce_upload_begin (const char *name, const char *digest_hdr,
                 uint64_t content_length, bool has_length, struct ce_error *err)
{
  struct ce_upload *up = NULL;
  uint64_t used, avail;

  if (!ce_artifact_name_valid (name)) {
    ce_error_set (err, CE_E_INVALID, "invalidName",
                  "artifact names are 1-%d characters of [A-Za-z0-9._-] "
                  "without a leading dot", CE_MAX_ARTIFACT_NAME);
    return NULL;
  }
  up = calloc (1, sizeof *up);
  if (!up)
    goto oom;
  up->fd = -1;
  if (ce_artifact_check_free (name, err) == -1)
    goto fail;
  if (parse_digest (digest_hdr, up->want) == -1) {
    ce_error_set (err, CE_E_INVALID, "missingDigest",
                  "X-Content-SHA256 must hold the body's SHA-256 as 64 hex digits");
    goto fail;
  }
  pthread_mutex_lock (&store_lock);
  used = store_used () + reserved;
  avail = used < ce_agent.artifact_max_bytes ? ce_agent.artifact_max_bytes - used : 0;
  if (has_length && content_length > avail) {
    pthread_mutex_unlock (&store_lock);
    ce_error_set (err, CE_E_TOO_LARGE, "bodyTooLarge",
                  "artifact of %llu bytes does not fit: the store (--artifact-max-bytes "
                  "%llu) has %llu bytes left", (unsigned long long) content_length,
                  (unsigned long long) ce_agent.artifact_max_bytes,
                  (unsigned long long) avail);
    goto fail;
  }
  up->limit = has_length ? content_length : avail;
  reserved += up->limit;
  pthread_mutex_unlock (&store_lock);

  up->name = strdup (name);
  up->md = EVP_MD_CTX_new ();
  if (!up->name || !up->md || !EVP_DigestInit_ex (up->md, EVP_sha256 (), NULL) ||
      asprintf (&up->final_path, "%s/%s", ce_agent.artifact_dir, name) == -1)
    goto oom_reserved;
  char rnd[37];
  if (ce_uuid (rnd) == -1 ||
      asprintf (&up->tmp_path, "%s/.upload-%s", ce_agent.artifact_dir, rnd) == -1)
    goto oom_reserved;
  /* 0644 in a 0700 store: nobody reaches it by name, but a prepare job's
   * sandboxed worker (uid nobody) reads it through the descriptor it was
   * given (/proc/self/fd/N checks the file's own mode). */
  up->fd = open (up->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (up->fd < 0) {
    ce_error_set (err, CE_E_INTERNAL, "storeFailed", "cannot create a file in the store: %s",
                  strerror (errno));
    goto fail;
  }
  return up;

 oom_reserved:
 oom:
  ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
 fail:
  ce_upload_abort (up);
  return NULL;
}

int
ce_upload_write (struct ce_upload *up, const void *buf, size_t len,
                 struct ce_error *err)
{
  const uint8_t *p = buf;
  if (len > up->limit - up->written)
    return ce_error_set (err, CE_E_TOO_LARGE, "bodyTooLarge",
                         "artifact exceeds the %llu bytes announced or left in the store",
                         (unsigned long long) up->limit);
  if (!EVP_DigestUpdate (up->md, buf, len))
    return ce_error_set (err, CE_E_INTERNAL, "internal", "SHA-256 update failed");
  while (len > 0) {
    ssize_t r = write (up->fd, p, len);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return ce_error_set (err, CE_E_INTERNAL, "storeFailed", "writing the artifact: %s",
                           strerror (errno));
    }
    p += r;
    len -= (size_t) r;
    up->written += (uint64_t) r;
  }
  return 0;
}

json_t *
ce_upload_finish (struct ce_upload *up, struct ce_error *err)
{
  uint8_t got[32];
  unsigned n = 0;
  char hex[65];
  json_t *o = NULL;

  if (!EVP_DigestFinal_ex (up->md, got, &n) || n != 32) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "SHA-256 failed");
    goto out;
  }
  ce_hex_encode (got, 32, hex);
  if (CRYPTO_memcmp (got, up->want, 32) != 0) {
    ce_error_set (err, CE_E_INVALID, "digestMismatch",
                  "the body's SHA-256 is %s, not the X-Content-SHA256 given; "
                  "the artifact was discarded", hex);
    goto out;
  }
  if (fsync (up->fd) == -1 || close (up->fd) == -1) {
    up->fd = -1;
    ce_error_set (err, CE_E_INTERNAL, "storeFailed", "flushing the artifact: %s",
                  strerror (errno));
    goto out;
  }
  up->fd = -1;
  if (ce_artifact_publish (up->tmp_path, up->final_path, up->name, err) == -1)
    goto out;
  free (up->tmp_path);
  up->tmp_path = NULL;
  ce_log (CE_LOG_INFO, "artifact.stored", "artifact %s stored: %llu bytes, sha256 %s",
          up->name, (unsigned long long) up->written, hex);
  o = json_pack ("{s:s, s:I, s:s}", "name", up->name, "size", (json_int_t) up->written,
                 "sha256", hex);
 out:
  ce_upload_abort (up);
  return o;
}

void
ce_upload_abort (struct ce_upload *up)
{
  if (!up)
    return;
  if (up->fd >= 0)
    close (up->fd);
  if (up->tmp_path)
    unlink (up->tmp_path);
  if (up->limit) {
    pthread_mutex_lock (&store_lock);
    reserved -= up->limit;
    pthread_mutex_unlock (&store_lock);
  }
  EVP_MD_CTX_free (up->md);
  free (up->tmp_path);
  free (up->final_path);
  free (up->name);
  free (up);
}

char *
ce_artifact_path (const char *name)
{
  char *p = NULL;
  struct stat st;
  if (!ce_artifact_name_valid (name) ||
      asprintf (&p, "%s/%s", ce_agent.artifact_dir, name) == -1)
    return NULL;
  if (stat (p, &st) == -1 || !S_ISREG (st.st_mode)) {
    free (p);
    return NULL;
  }
  return p;
}
