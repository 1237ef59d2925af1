/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cectl's HTTPS requests (libcurl).
 *
 * Fingerprint pinning (--fingerprint sha256:HEX): the agent's certificate is
 * self-signed, so no CA can vouch for it.  Instead the SHA-256 of the DER
 * encoding of the server's leaf certificate — the value ce-agent prints in
 * its CE-AGENT-READY line and reports in /v1/info — must equal HEX.  This is
 * done in OpenSSL's certificate verification step (CURLOPT_SSL_CTX_FUNCTION
 * installs SSL_CTX_set_cert_verify_callback), so the handshake fails before
 * any request (and the token) is sent.  Host name checks are off in this
 * mode: the pin names the exact certificate. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cectl.h"

#define CONNECT_TIMEOUT_SECONDS 15L
/* Abort a transfer that moves fewer than 1 byte/s for this long. */
#define LOW_SPEED_SECONDS 60L

struct buf {
  char *data;
  size_t len;
  bool overflow;
};

static size_t
collect (char *p, size_t size, size_t n, void *ud)
{
  struct buf *b = ud;
  size_t add = size * n;
  if (add > CECTL_MAX_RESPONSE - b->len) {
    b->overflow = true;
    return 0;
  }
  char *nd = realloc (b->data, b->len + add + 1);
  if (!nd)
    return 0;
  b->data = nd;
  memcpy (b->data + b->len, p, add);
  b->len += add;
  b->data[b->len] = '\0';
  return add;
}

/* Header names whose values -v never shows. */
static const char *const secret_headers[] = { "Authorization:", "Proxy-Authorization:" };

static void
trace_headers (char prefix, const char *data, size_t size)
{
  const char *p = data, *end = data + size;
  while (p < end) {
    const char *nl = memchr (p, '\n', (size_t) (end - p));
    size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
    size_t shown = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
    bool secret = false;
    for (size_t i = 0; i < sizeof secret_headers / sizeof secret_headers[0]; i++) {
      size_t k = strlen (secret_headers[i]);
      if (shown >= k && !strncasecmp (p, secret_headers[i], k)) {
        /* Keep the scheme ("Bearer"), never the credential. */
        const char *v = p + k, *ve = p + shown;
        while (v < ve && *v == ' ')
          v++;
        const char *sp = memchr (v, ' ', (size_t) (ve - v));
        fprintf (stderr, "%c %.*s %.*s<redacted>\n", prefix, (int) (k), p,
                 sp ? (int) (sp - v + 1) : 0, v);
        secret = true;
        break;
      }
    }
    if (!secret && shown > 0)
      fprintf (stderr, "%c %.*s\n", prefix, (int) shown, p);
    p += n + (nl ? 1 : 0);
  }
}

/* -v: libcurl's trace, but through this filter, since its default trace
 * prints the request headers verbatim, token included.  Bodies are shown
 * as byte counts only (a job document may carry an SMB password). */
static int
trace (CURL *curl, curl_infotype type, char *data, size_t size, void *ud)
{
  (void) curl; (void) ud;
  switch (type) {
  case CURLINFO_TEXT:
    fprintf (stderr, "* %.*s", (int) size, data);
    if (size == 0 || data[size - 1] != '\n')
      fputc ('\n', stderr);
    break;
  case CURLINFO_HEADER_OUT:
    trace_headers ('>', data, size);
    break;
  case CURLINFO_HEADER_IN:
    trace_headers ('<', data, size);
    break;
  case CURLINFO_DATA_OUT:
    fprintf (stderr, "> [%zu bytes of body]\n", size);
    break;
  case CURLINFO_DATA_IN:
    fprintf (stderr, "< [%zu bytes of body]\n", size);
    break;
  default:
    break;                      /* TLS records */
  }
  return 0;
}

static int
verify_pin (X509_STORE_CTX *xs, void *arg)
{
  struct cectl *c = arg;
  X509 *leaf = X509_STORE_CTX_get0_cert (xs);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;

  if (leaf && X509_digest (leaf, EVP_sha256 (), md, &n) && n == 32 &&
      CRYPTO_memcmp (md, c->fingerprint, 32) == 0)
    return 1;
  c->pin_mismatch = true;
  X509_STORE_CTX_set_error (xs, X509_V_ERR_CERT_REJECTED);
  return 0;
}

static CURLcode
ssl_ctx_setup (CURL *curl, void *ssl_ctx, void *arg)
{
  (void) curl;
  SSL_CTX_set_cert_verify_callback ((SSL_CTX *) ssl_ctx, verify_pin, arg);
  return CURLE_OK;
}

int
cectl_request (struct cectl *c, const char *method, const char *path,
               const char *content_type, const char *body, size_t len,
               FILE *upload, uint64_t upload_size, const char *extra_header,
               struct cectl_response *resp)
{
  CURL *curl = curl_easy_init ();
  struct curl_slist *hdrs = NULL;
  struct buf b = { NULL, 0, false };
  char errbuf[CURL_ERROR_SIZE] = "";
  char *url = NULL, *h = NULL;
  CURLcode rc;
  int r = -1;

  memset (resp, 0, sizeof *resp);
  if (!curl || asprintf (&url, "%s%s", c->url, path) == -1) {
    fprintf (stderr, "cectl: out of memory\n");
    goto out;
  }
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt (curl, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_SECONDS);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_SECONDS);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  if (c->verbose) {
    curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, trace);
    curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);
  }
  if (c->token) {
    if (asprintf (&h, "Authorization: Bearer %s", c->token) == -1)
      goto out;
    hdrs = curl_slist_append (hdrs, h);
  }
  if (content_type) {
    char *ct = NULL;
    if (asprintf (&ct, "Content-Type: %s", content_type) != -1) {
      hdrs = curl_slist_append (hdrs, ct);
      free (ct);
    }
  }
  if (extra_header)
    hdrs = curl_slist_append (hdrs, extra_header);
  hdrs = curl_slist_append (hdrs, "Expect:");
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, hdrs);
  if (upload) {
    curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt (curl, CURLOPT_READDATA, upload);
    curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) upload_size);
  }
  else if (body) {
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
  }
  if (c->has_fingerprint) {
    const curl_version_info_data *vi = curl_version_info (CURLVERSION_NOW);
    if (!vi->ssl_version || strncmp (vi->ssl_version, "OpenSSL", 7)) {
      fprintf (stderr, "cectl: --fingerprint needs libcurl built with OpenSSL (have %s)\n",
               vi->ssl_version ? vi->ssl_version : "none");
      goto out;
    }
    curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt (curl, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_setup);
    curl_easy_setopt (curl, CURLOPT_SSL_CTX_DATA, c);
  }
  else if (c->cacert)
    curl_easy_setopt (curl, CURLOPT_CAINFO, c->cacert);
  if (c->cert)
    curl_easy_setopt (curl, CURLOPT_SSLCERT, c->cert);
  if (c->key)
    curl_easy_setopt (curl, CURLOPT_SSLKEY, c->key);

  rc = curl_easy_perform (curl);
  if (rc != CURLE_OK) {
    if (c->pin_mismatch)
      fprintf (stderr, "cectl: %s: the server certificate's SHA-256 does not match "
               "--fingerprint; not sending anything\n", c->url);
    else if (b.overflow)
      fprintf (stderr, "cectl: response larger than %d bytes\n", CECTL_MAX_RESPONSE);
    else
      fprintf (stderr, "cectl: %s %s: %s\n", method, url,
               errbuf[0] ? errbuf : curl_easy_strerror (rc));
    goto out;
  }
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &resp->status);
  resp->body = b.data ? b.data : strdup ("");
  resp->len = b.len;
  b.data = NULL;
  r = 0;
 out:
  if (h) {
    OPENSSL_cleanse (h, strlen (h));
    free (h);
  }
  free (b.data);
  free (url);
  curl_slist_free_all (hdrs);
  curl_easy_cleanup (curl);
  return r;
}

void
cectl_response_free (struct cectl_response *r)
{
  free (r->body);
  r->body = NULL;
}

json_t *
cectl_json (const struct cectl_response *r)
{
  json_error_t e;
  json_t *j = json_loadb (r->body, r->len, 0, &e);
  if (!j)
    fprintf (stderr, "cectl: the agent sent invalid JSON: %s\n", e.text);
  return j;
}

int
cectl_api_error (const struct cectl_response *r)
{
  json_t *j = json_loadb (r->body, r->len, 0, NULL);
  const char *code = json_string_value (json_object_get (json_object_get (j, "error"), "code"));
  const char *msg = json_string_value (json_object_get (json_object_get (j, "error"), "message"));
  fprintf (stderr, "cectl: HTTP %ld%s%s%s%s\n", r->status, code ? " " : "", code ? code : "",
           msg ? ": " : "", msg ? msg : "");
  json_decref (j);
  return r->status == 401 ? CECTL_AUTH : CECTL_API;
}
