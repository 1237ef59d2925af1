/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SHA-256 of a host file through OpenSSL's EVP API (installer artifacts). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define HASH_CHUNK (1024 * 1024)

int
ow_sha256_file (const char *path, char hex[OW_SHA256_HEX_LEN + 1])
{
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  unsigned char digest[EVP_MAX_MD_SIZE], *buf = malloc (HASH_CHUNK);
  unsigned dlen = 0;
  FILE *f = NULL;
  size_t n;
  int r = -1;

  if (md == NULL || buf == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  f = fopen (path, "rb");
  if (f == NULL) {
    ow_err (errno, "%s: %m", path);
    goto out;
  }
  if (EVP_DigestInit_ex (md, EVP_sha256 (), NULL) != 1) {
    ow_err (EIO, "SHA-256: cannot initialise the OpenSSL digest");
    goto out;
  }
  while ((n = fread (buf, 1, HASH_CHUNK, f)) > 0)
    if (EVP_DigestUpdate (md, buf, n) != 1) {
      ow_err (EIO, "SHA-256: digest update failed");
      goto out;
    }
  if (ferror (f)) {
    ow_err (EIO, "%s: read error", path);
    goto out;
  }
  if (EVP_DigestFinal_ex (md, digest, &dlen) != 1 || dlen * 2 != OW_SHA256_HEX_LEN) {
    ow_err (EIO, "SHA-256: digest final failed");
    goto out;
  }
  for (unsigned i = 0; i < dlen; i++)
    snprintf (hex + 2 * i, 3, "%02x", digest[i]);
  r = 0;
 out:
  if (f)
    fclose (f);
  free (buf);
  EVP_MD_CTX_free (md);
  return r;
}
