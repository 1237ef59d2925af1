/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Completion callback: POST each job's final state to callbackUrl.
 *
 * Server verification: with callbackCa, the usual chain + host name check
 * against that CA only.  With callbackFingerprint ("sha256:<hex>") the
 * server's PUBLIC KEY is pinned: the hex is SHA-256 over the DER encoding of
 * the certificate's SubjectPublicKeyInfo, i.e.
 *   openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform DER \
 *     | openssl dgst -sha256
 * (not the certificate fingerprint: the pin survives re-issuing a cert for
 * the same key).  Given alone, the pin replaces CA and host name checks;
 * given with callbackCa, both must pass.  Neither: the system CA store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent.h"

#define CALLBACK_TIMEOUT_SECONDS 20L
#define CALLBACK_CONNECT_TIMEOUT_SECONDS 10L
#define CALLBACK_FIRST_BACKOFF_SECONDS 1u
#define CALLBACK_MAX_BACKOFF_SECONDS 16u

static size_t
discard (char *p, size_t size, size_t n, void *ud)
{
  (void) p; (void) ud;
  return size * n;
}

static CURLcode
post_once (const char *body, long *status, char *errbuf)
{
  const struct ce_config *cfg = &ce_agent.config;
  CURL *c = curl_easy_init ();
  struct curl_slist *hdrs = NULL;
  char *pin = NULL, *b64 = NULL;
  CURLcode rc = CURLE_FAILED_INIT;

  if (!c)
    return CURLE_FAILED_INIT;
  hdrs = curl_slist_append (hdrs, "Content-Type: application/json");
  curl_easy_setopt (c, CURLOPT_URL, cfg->callback_url);
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt (c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt (c, CURLOPT_TIMEOUT, CALLBACK_TIMEOUT_SECONDS);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT, CALLBACK_CONNECT_TIMEOUT_SECONDS);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt (c, CURLOPT_ERRORBUFFER, errbuf);
  if (cfg->callback_ca) {
    struct curl_blob blob = {
      .data = cfg->callback_ca, .len = strlen (cfg->callback_ca),
      .flags = CURL_BLOB_COPY,
    };
    curl_easy_setopt (c, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (cfg->has_callback_fingerprint) {
    b64 = ce_base64_encode (cfg->callback_spki_sha256, 32);
    if (!b64 || asprintf (&pin, "sha256//%s", b64) == -1) {
      pin = NULL;
      goto out;
    }
    curl_easy_setopt (c, CURLOPT_PINNEDPUBLICKEY, pin);
    if (!cfg->callback_ca) {
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }
  rc = curl_easy_perform (c);
  if (rc == CURLE_OK)
    curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, status);
  else if (!errbuf[0])
    snprintf (errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror (rc));
 out:
  free (pin);
  free (b64);
  curl_slist_free_all (hdrs);
  curl_easy_cleanup (c);
  return rc;
}

int
ce_callback_post (const json_t *payload)
{
  char *body;
  unsigned backoff = CALLBACK_FIRST_BACKOFF_SECONDS;
  const char *id = json_string_value (json_object_get (payload, "id"));
  int r = -1;

  if (!ce_agent.config.callback_url)
    return 0;
  json_t *doc = json_pack ("{s:s, s:s, s:O}", "event", "jobFinished",
                           "bootId", ce_agent.boot_id, "job", payload);
  body = doc ? json_dumps (doc, JSON_COMPACT) : NULL;
  json_decref (doc);
  if (!body)
    return -1;
  for (int attempt = 1; attempt <= CE_CALLBACK_ATTEMPTS; attempt++) {
    char errbuf[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode rc = post_once (body, &status, errbuf);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
      ce_log (CE_LOG_INFO, "callback.sent", "job %s: callback delivered (HTTP %ld)",
              id ? id : "?", status);
      r = 0;
      break;
    }
    ce_log (CE_LOG_WARN, "callback.failed", "job %s: callback attempt %d/%d failed: %s",
            id ? id : "?", attempt, CE_CALLBACK_ATTEMPTS,
            errbuf[0] ? errbuf : status ? "server returned an error status" : "unknown");
    if (status >= 400 && status < 500 && status != 408 && status != 429)
      break;      /* the connector rejected it; retrying will not help */
    if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_PEER_FAILED_VERIFICATION ||
        rc == CURLE_SSL_CACERT_BADFILE)
      break;      /* wrong server: never worth another attempt */
    if (attempt < CE_CALLBACK_ATTEMPTS) {
      sleep (backoff);
      if (backoff < CALLBACK_MAX_BACKOFF_SECONDS)
        backoff *= 2;
    }
  }
  free (body);
  return r;
}
