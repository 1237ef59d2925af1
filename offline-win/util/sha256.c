/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SHA-256 of a host file through OpenSSL's EVP API (installer artifacts).
 * The descriptor form reads with pread from offset 0, so the caller can
 * hash the very file it then copies from the same descriptor: no second
 * open by name that could find another file (issue: checked once, used as
 * checked). */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define HASH_CHUNK (1024 * 1024)

int
ow_sha256_fd (int fd, char hex[OW_SHA256_HEX_LEN + 1])
{
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  unsigned char digest[EVP_MAX_MD_SIZE], *buf = malloc (HASH_CHUNK);
  unsigned dlen = 0;
  off_t pos = 0;
  ssize_t n;
  int r = -1;

  if (md == NULL || buf == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  if (EVP_DigestInit_ex (md, EVP_sha256 (), NULL) != 1) {
    ow_err (EIO, "SHA-256: cannot initialise the OpenSSL digest");
    goto out;
  }
  while ((n = pread (fd, buf, HASH_CHUNK, pos)) != 0) {
    if (n < 0) {
      if (errno == EINTR)
        continue;
      ow_err (errno, "read error: %m");
      goto out;
    }
    if (EVP_DigestUpdate (md, buf, (size_t) n) != 1) {
      ow_err (EIO, "SHA-256: digest update failed");
      goto out;
    }
    pos += n;
  }
  if (EVP_DigestFinal_ex (md, digest, &dlen) != 1 || dlen * 2 != OW_SHA256_HEX_LEN) {
    ow_err (EIO, "SHA-256: digest final failed");
    goto out;
  }
  for (unsigned i = 0; i < dlen; i++)
    snprintf (hex + 2 * i, 3, "%02x", digest[i]);
  r = 0;
 out:
  free (buf);
  EVP_MD_CTX_free (md);
  return r;
}

int
ow_sha256_file (const char *path, char hex[OW_SHA256_HEX_LEN + 1])
{
  int fd = open (path, O_RDONLY | O_CLOEXEC), r;

  if (fd == -1)
    return ow_err (errno, "%s: %m", path);
  r = ow_sha256_fd (fd, hex);
  if (r == -1)
    ow_err_context ("%s", path);
  close (fd);
  return r;
}
