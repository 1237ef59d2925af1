/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Boot config: one JSON document from --config, QEMU fw_cfg or the kernel
 * command line.  Strict: unknown keys and wrong types are errors, and the
 * agent refuses to start without a bearer token of CE_MIN_TOKEN_LEN chars.
 * Messages never include secret values. */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "config/platform.h"

/* The kernel command line is small; the encoded config must fit in it. */
#define MAX_CMDLINE_SIZE (64 * 1024)
#define MAX_PEM_SIZE (64 * 1024)
#define MAX_URL_LEN 2048
#define MAX_TIMEOUT_SECONDS (30L * 24 * 3600)
#define DEFAULT_IDLE_TIMEOUT 900
#define DEFAULT_JOB_DEADLINE 7200
#define CMDLINE_KEY "ce.config="

static int
fail (char **errmsg, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
fail (char **errmsg, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (errmsg, fmt, ap) == -1)
    *errmsg = NULL;
  va_end (ap);
  return -1;
}

static int
get_string (json_t *v, const char *key, size_t max, char **out, char **errmsg)
{
  if (!json_is_string (v))
    return fail (errmsg, "boot config: \"%s\" must be a string", key);
  if (json_string_length (v) > max)
    return fail (errmsg, "boot config: \"%s\" is longer than %zu bytes", key, max);
  if (strlen (json_string_value (v)) != json_string_length (v))
    return fail (errmsg, "boot config: \"%s\" contains a NUL character", key);
  *out = strdup (json_string_value (v));
  if (!*out)
    return fail (errmsg, "boot config: out of memory");
  return 0;
}

static int
get_seconds (json_t *v, const char *key, long *out, char **errmsg)
{
  if (!json_is_integer (v))
    return fail (errmsg, "boot config: \"%s\" must be an integer", key);
  json_int_t n = json_integer_value (v);
  if (n < 0 || n > MAX_TIMEOUT_SECONDS)
    return fail (errmsg, "boot config: \"%s\" must be between 0 and %ld",
                 key, MAX_TIMEOUT_SECONDS);
  *out = (long) n;
  return 0;
}

static bool
token_chars_ok (const char *t)
{
  /* RFC 6750 b64token characters: what can travel in the header. */
  for (; *t; t++)
    if (!((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') ||
          (*t >= '0' && *t <= '9') || strchr ("-._~+/=", *t)))
      return false;
  return true;
}

int
ce_config_parse (const char *text, size_t len, struct ce_config *cfg,
                 char **errmsg)
{
  json_error_t jerr;
  json_t *root = NULL, *v;
  const char *key;
  int r = -1;

  memset (cfg, 0, sizeof *cfg);
  cfg->idle_timeout_seconds = DEFAULT_IDLE_TIMEOUT;
  cfg->job_deadline_seconds = DEFAULT_JOB_DEADLINE;
  *errmsg = NULL;

  root = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    fail (errmsg, "boot config: invalid JSON at line %d column %d: %s",
          jerr.line, jerr.column, jerr.text);
    goto out;
  }
  if (!json_is_object (root)) {
    fail (errmsg, "boot config: must be a JSON object");
    goto out;
  }
  json_object_foreach (root, key, v) {
    int rr;
    if (!strcmp (key, "token"))
      rr = get_string (v, key, CE_MAX_TOKEN_LEN, &cfg->token, errmsg);
    else if (!strcmp (key, "clientCa"))
      rr = get_string (v, key, MAX_PEM_SIZE, &cfg->client_ca, errmsg);
    else if (!strcmp (key, "tlsCert"))
      rr = get_string (v, key, MAX_PEM_SIZE, &cfg->tls_cert, errmsg);
    else if (!strcmp (key, "tlsKey"))
      rr = get_string (v, key, MAX_PEM_SIZE, &cfg->tls_key, errmsg);
    else if (!strcmp (key, "callbackUrl"))
      rr = get_string (v, key, MAX_URL_LEN, &cfg->callback_url, errmsg);
    else if (!strcmp (key, "callbackCa"))
      rr = get_string (v, key, MAX_PEM_SIZE, &cfg->callback_ca, errmsg);
    else if (!strcmp (key, "callbackFingerprint")) {
      const char *s = json_string_value (v);
      if (!s || strncmp (s, "sha256:", 7) ||
          ce_hex_decode (s + 7, cfg->callback_spki_sha256, 32) == -1)
        rr = fail (errmsg, "boot config: \"callbackFingerprint\" must be "
                   "\"sha256:\" followed by 64 hex digits");
      else {
        cfg->has_callback_fingerprint = true;
        rr = 0;
      }
    }
    else if (!strcmp (key, "exportRoot"))
      rr = get_string (v, key, PATH_MAX, &cfg->export_root, errmsg);
    else if (!strcmp (key, "idleTimeoutSeconds"))
      rr = get_seconds (v, key, &cfg->idle_timeout_seconds, errmsg);
    else if (!strcmp (key, "jobDeadlineSeconds"))
      rr = get_seconds (v, key, &cfg->job_deadline_seconds, errmsg);
    else
      rr = fail (errmsg, "boot config: unknown key \"%s\"", key);
    if (rr == -1)
      goto out;
  }

  if (!cfg->token) {
    fail (errmsg, "boot config: \"token\" is missing: refusing to start "
          "without a bearer token (at least %d characters)", CE_MIN_TOKEN_LEN);
    goto out;
  }
  if (strlen (cfg->token) < CE_MIN_TOKEN_LEN) {
    fail (errmsg, "boot config: \"token\" is too short (%zu characters): "
          "refusing to start, it must be at least %d characters",
          strlen (cfg->token), CE_MIN_TOKEN_LEN);
    goto out;
  }
  if (!token_chars_ok (cfg->token)) {
    fail (errmsg, "boot config: \"token\" may only contain letters, digits "
          "and -._~+/=");
    goto out;
  }
  if (!cfg->tls_cert != !cfg->tls_key) {
    fail (errmsg, "boot config: \"tlsCert\" and \"tlsKey\" must be given together");
    goto out;
  }
  if (cfg->export_root && cfg->export_root[0] != '/') {
    fail (errmsg, "boot config: \"exportRoot\" must be an absolute directory");
    goto out;
  }
  if (cfg->callback_url && strncmp (cfg->callback_url, "https://", 8)) {
    fail (errmsg, "boot config: \"callbackUrl\" must be an https:// URL");
    goto out;
  }
  if ((cfg->callback_ca || cfg->has_callback_fingerprint) && !cfg->callback_url) {
    fail (errmsg, "boot config: \"callbackCa\"/\"callbackFingerprint\" "
          "given without \"callbackUrl\"");
    goto out;
  }
  r = 0;
 out:
  json_decref (root);
  if (r == -1) {
    if (!*errmsg)
      *errmsg = strdup ("boot config: out of memory");
    ce_config_free (cfg);
  }
  return r;
}

/* ce.config=<base64> from the kernel command line; 0 = absent. */
static int
cmdline_config (const char *path, char **json, size_t *len, char **errmsg)
{
  char *cmdline = ce_read_file (path, MAX_CMDLINE_SIZE, NULL);
  char *p, *end;
  size_t keylen = strlen (CMDLINE_KEY);
  int r = 0;

  *json = NULL;
  if (!cmdline)
    return 0;
  for (p = cmdline; *p; p = end) {
    while (*p == ' ' || *p == '\n' || *p == '\t')
      p++;
    end = p;
    while (*end && *end != ' ' && *end != '\n' && *end != '\t')
      end++;
    if ((size_t) (end - p) > keylen && !strncmp (p, CMDLINE_KEY, keylen)) {
      size_t n;
      uint8_t *d = ce_base64_decode (p + keylen, (size_t) (end - p) - keylen, &n);
      if (!d) {
        r = fail (errmsg, "boot config: %s: ce.config= is not valid base64", path);
        goto out;
      }
      free (*json);
      /* NUL-terminate for the log and parser. */
      char *t = realloc (d, n + 1);
      if (!t) {
        free (d);
        r = fail (errmsg, "boot config: out of memory");
        goto out;
      }
      t[n] = '\0';
      *json = t;
      *len = n;
      r = 1;
    }
  }
 out:
  free (cmdline);
  return r;
}

int
ce_config_load (const struct ce_config_sources *src, struct ce_config *cfg,
                char **errmsg)
{
  char *text = NULL, *where = NULL;
  size_t len = 0;
  int r = -1;

  *errmsg = NULL;
  if (src->file) {
    text = ce_read_file (src->file, CE_MAX_CONFIG_SIZE, &len);
    if (!text)
      return fail (errmsg, "boot config: cannot read %s: %s", src->file,
                   errno == EFBIG ? "larger than the limit" : strerror (errno));
    where = strdup (src->file);
  }
  if (!text && src->fw_cfg_path) {
    text = ce_read_file (src->fw_cfg_path, CE_MAX_CONFIG_SIZE, &len);
    if (!text && errno != ENOENT)
      return fail (errmsg, "boot config: cannot read %s: %s", src->fw_cfg_path,
                   strerror (errno));
    if (text)
      where = strdup ("fw_cfg opt/ce/config");
  }
  if (!text && src->cmdline_path) {
    int c = cmdline_config (src->cmdline_path, &text, &len, errmsg);
    if (c == -1)
      return -1;
    if (c == 1)
      where = strdup ("kernel command line ce.config=");
  }
  /* Host mode (a developer's machine) reaches for no platform unless told. */
  if (!text && (!ce_agent.host_mode || getenv ("CE_PLATFORM"))) {
    int c = ce_platform_config (&text, &len, &where, errmsg);
    if (c == -1)
      return -1;
  }
  if (!text)
    return fail (errmsg, "boot config: none found (tried --config, %s, "
                 "ce.config= on %s, the platform's metadata): refusing to "
                 "start without a token",
                 src->fw_cfg_path ? src->fw_cfg_path : "fw_cfg",
                 src->cmdline_path ? src->cmdline_path : "/proc/cmdline");
  r = ce_config_parse (text, len, cfg, errmsg);
  if (r == 0)
    cfg->source = where, where = NULL;
  else {
    char *m = NULL;
    if (asprintf (&m, "%s (from %s)", *errmsg, where ? where : "?") != -1) {
      free (*errmsg);
      *errmsg = m;
    }
  }
  /* The document holds the token: scrub before freeing. */
  explicit_bzero (text, len);
  free (text);
  free (where);
  return r;
}

static void
free_secret (char *s)
{
  if (s) {
    explicit_bzero (s, strlen (s));
    free (s);
  }
}

void
ce_config_free (struct ce_config *cfg)
{
  free_secret (cfg->token);
  free (cfg->client_ca);
  free (cfg->tls_cert);
  free_secret (cfg->tls_key);
  free (cfg->callback_url);
  free (cfg->callback_ca);
  free (cfg->export_root);
  free (cfg->source);
  memset (cfg, 0, sizeof *cfg);
}
