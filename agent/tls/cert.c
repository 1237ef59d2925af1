/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The agent's TLS identity: the configured certificate and key, or a fresh
 * ECDSA P-256 self-signed pair (CN = boot id, random 128-bit serial).  The
 * fingerprint the agent prints and reports is SHA-256 over the certificate's
 * DER encoding (what `openssl x509 -fingerprint -sha256` shows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "agent.h"

#define CERT_VALID_DAYS 397
#define SERIAL_BYTES 16

static int
fail (char **errmsg, const char *what)
{
  unsigned long e = ERR_get_error ();
  char buf[256];
  ERR_error_string_n (e, buf, sizeof buf);
  if (asprintf (errmsg, "tls: %s: %s", what, e ? buf : "failed") == -1)
    *errmsg = NULL;
  ERR_clear_error ();
  return -1;
}

static char *
bio_to_string (BIO *bio)
{
  char *data;
  long n = BIO_get_mem_data (bio, &data);
  char *s;
  if (n < 0)
    return NULL;
  s = malloc ((size_t) n + 1);
  if (!s)
    return NULL;
  memcpy (s, data, (size_t) n);
  s[n] = '\0';
  return s;
}

static int
fingerprint_x509 (X509 *x, char out[65])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest (x, EVP_sha256 (), md, &n) || n != 32)
    return -1;
  ce_hex_encode (md, 32, out);
  return 0;
}

int
ce_cert_pem_fingerprint (const char *pem, char out[65])
{
  BIO *bio = BIO_new_mem_buf (pem, -1);
  X509 *x = bio ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
  int r = x ? fingerprint_x509 (x, out) : -1;
  X509_free (x);
  BIO_free (bio);
  ERR_clear_error ();
  return r;
}

static int
generate (const char *cn, struct ce_tls *tls, char **errmsg)
{
  EVP_PKEY *pkey = NULL;
  X509 *x = NULL;
  X509_NAME *name;
  BIGNUM *bn = NULL;
  BIO *kbio = NULL, *cbio = NULL;
  unsigned char serial[SERIAL_BYTES];
  int r = -1;

  pkey = EVP_EC_gen ("P-256");
  if (!pkey) {
    fail (errmsg, "generating the P-256 key");
    goto out;
  }
  x = X509_new ();
  if (!x || !X509_set_version (x, 2)) {
    fail (errmsg, "creating the certificate");
    goto out;
  }
  if (ce_random_bytes (serial, sizeof serial) == -1) {
    fail (errmsg, "random serial");
    goto out;
  }
  serial[0] &= 0x7f;           /* positive INTEGER */
  bn = BN_bin2bn (serial, sizeof serial, NULL);
  if (!bn || !BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (x))) {
    fail (errmsg, "setting the serial");
    goto out;
  }
  /* An hour of slack for controllers whose clock runs behind ours. */
  if (!X509_gmtime_adj (X509_getm_notBefore (x), -3600) ||
      !X509_gmtime_adj (X509_getm_notAfter (x), (long) CERT_VALID_DAYS * 86400)) {
    fail (errmsg, "setting validity");
    goto out;
  }
  name = X509_get_subject_name (x);
  if (!X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *) cn, -1, -1, 0) ||
      !X509_set_issuer_name (x, name) || !X509_set_pubkey (x, pkey)) {
    fail (errmsg, "setting the subject");
    goto out;
  }
  if (!X509_sign (x, pkey, EVP_sha256 ())) {
    fail (errmsg, "signing the certificate");
    goto out;
  }
  kbio = BIO_new (BIO_s_mem ());
  cbio = BIO_new (BIO_s_mem ());
  if (!kbio || !cbio ||
      !PEM_write_bio_PrivateKey (kbio, pkey, NULL, NULL, 0, NULL, NULL) ||
      !PEM_write_bio_X509 (cbio, x)) {
    fail (errmsg, "encoding PEM");
    goto out;
  }
  tls->key_pem = bio_to_string (kbio);
  tls->cert_pem = bio_to_string (cbio);
  if (!tls->key_pem || !tls->cert_pem || fingerprint_x509 (x, tls->fingerprint) == -1) {
    fail (errmsg, "out of memory");
    goto out;
  }
  r = 0;
 out:
  if (kbio) {
    char *data;
    long n = BIO_get_mem_data (kbio, &data);
    if (n > 0)
      OPENSSL_cleanse (data, (size_t) n);
  }
  BIO_free (kbio);
  BIO_free (cbio);
  BN_free (bn);
  X509_free (x);
  EVP_PKEY_free (pkey);
  return r;
}

static int
use_configured (const struct ce_config *cfg, struct ce_tls *tls, char **errmsg)
{
  BIO *cb = BIO_new_mem_buf (cfg->tls_cert, -1);
  BIO *kb = BIO_new_mem_buf (cfg->tls_key, -1);
  X509 *x = NULL;
  EVP_PKEY *k = NULL;
  int r = -1;

  if (!cb || !kb) {
    fail (errmsg, "out of memory");
    goto out;
  }
  x = PEM_read_bio_X509 (cb, NULL, NULL, NULL);
  if (!x) {
    fail (errmsg, "boot config tlsCert is not a PEM certificate");
    goto out;
  }
  k = PEM_read_bio_PrivateKey (kb, NULL, NULL, NULL);
  if (!k) {
    fail (errmsg, "boot config tlsKey is not an unencrypted PEM private key");
    goto out;
  }
  if (!X509_check_private_key (x, k)) {
    fail (errmsg, "boot config tlsKey does not match tlsCert");
    goto out;
  }
  tls->cert_pem = strdup (cfg->tls_cert);
  tls->key_pem = strdup (cfg->tls_key);
  if (!tls->cert_pem || !tls->key_pem || fingerprint_x509 (x, tls->fingerprint) == -1) {
    fail (errmsg, "out of memory");
    goto out;
  }
  r = 0;
 out:
  EVP_PKEY_free (k);
  X509_free (x);
  BIO_free (cb);
  BIO_free (kb);
  return r;
}

int
ce_tls_setup (const struct ce_config *cfg, const char *cn, struct ce_tls *tls,
              char **errmsg)
{
  int r;
  memset (tls, 0, sizeof *tls);
  *errmsg = NULL;
  r = cfg->tls_cert ? use_configured (cfg, tls, errmsg) : generate (cn, tls, errmsg);
  if (r == -1)
    ce_tls_free (tls);
  return r;
}

void
ce_tls_free (struct ce_tls *tls)
{
  if (tls->key_pem) {
    OPENSSL_cleanse (tls->key_pem, strlen (tls->key_pem));
    free (tls->key_pem);
  }
  free (tls->cert_pem);
  memset (tls, 0, sizeof *tls);
}
