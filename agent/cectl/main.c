/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cectl [OPTIONS] COMMAND: drive a ce-agent over HTTPS. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "agent.h"
#include "cectl.h"

static void
usage (FILE *f)
{
  fputs (
"Usage: cectl [OPTIONS] COMMAND [ARGS]\n"
"Drive a Compositing Engine agent (ce-agent) over HTTPS.\n"
"\n"
"Options:\n"
"  --url URL               agent base URL, e.g. https://10.0.0.5 (env CECTL_URL)\n"
"  --token-file FILE       file holding the bearer token (env CECTL_TOKEN_FILE)\n"
"  --fingerprint sha256:HEX  pin the agent certificate: SHA-256 of its DER\n"
"                          encoding, as printed in CE-AGENT-READY (env\n"
"                          CECTL_FINGERPRINT)\n"
"  --cacert FILE           verify the agent against this CA instead\n"
"  --cert FILE --key FILE  client certificate and key (mutual TLS)\n"
"  --json                  print the agent's JSON instead of text\n"
"  -v, --verbose           show the HTTP exchange (never the token)\n"
"  -h, --help              this help\n"
"\n"
"Commands:\n"
"  health                  GET /v1/health (no token needed)\n"
"  info                    version, boot id, platform, fingerprint, uptime\n"
"  disks                   attached disks and what inspect sees (waits for the\n"
"                          agent's inspection of each, ?inspect=1)\n"
"  job start FILE          start the job document in FILE ('-' = stdin); prints its id\n"
"  job wait ID             follow progress (a bar on a terminal) until it ends\n"
"  job get ID              status, progress, result or error\n"
"  job log ID [--follow]   the job log; --follow until the job ends\n"
"  job cancel ID           stop at the next safe point\n"
"  artifact put NAME FILE  upload FILE as artifact NAME (SHA-256 checked)\n"
"  complete [--force]      finish: the agent reports, then exits or powers off\n"
"\n"
"Exit status: 0 success; 1 the job failed or was canceled (job wait);\n"
"2 usage error; 3 connection, TLS or fingerprint failure; 4 authentication\n"
"failed (HTTP 401); 5 any other error reply from the agent.\n", f);
}

static char *
read_token (const char *file)
{
  size_t n;
  char *t = ce_read_file (file, CECTL_MAX_TOKEN, &n);
  if (!t)
    return NULL;
  while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' '))
    t[--n] = '\0';
  return t;
}

int
main (int argc, char **argv)
{
  enum { O_URL = 256, O_TOKEN, O_FP, O_CA, O_CERT, O_KEY, O_JSON };
  static const struct option longopts[] = {
    { "url", required_argument, NULL, O_URL },
    { "token-file", required_argument, NULL, O_TOKEN },
    { "fingerprint", required_argument, NULL, O_FP },
    { "cacert", required_argument, NULL, O_CA },
    { "cert", required_argument, NULL, O_CERT },
    { "key", required_argument, NULL, O_KEY },
    { "json", no_argument, NULL, O_JSON },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct cectl c = { 0 };
  const char *token_file = getenv ("CECTL_TOKEN_FILE");
  const char *fp = getenv ("CECTL_FINGERPRINT");
  int opt, rc;

  c.url = getenv ("CECTL_URL");
  /* "+": stop at the command so its own options (--follow) stay its own. */
  while ((opt = getopt_long (argc, argv, "+vh", longopts, NULL)) != -1) {
    switch (opt) {
    case O_URL: c.url = optarg; break;
    case O_TOKEN: token_file = optarg; break;
    case O_FP: fp = optarg; break;
    case O_CA: c.cacert = optarg; break;
    case O_CERT: c.cert = optarg; break;
    case O_KEY: c.key = optarg; break;
    case O_JSON: c.json = true; break;
    case 'v': c.verbose = true; break;
    case 'h': usage (stdout); return CECTL_OK;
    default: usage (stderr); return CECTL_USAGE;
    }
  }
  if (optind >= argc) {
    usage (stderr);
    return CECTL_USAGE;
  }
  if (!c.url || strncmp (c.url, "https://", 8)) {
    fprintf (stderr, "cectl: --url https://HOST[:PORT] is required (HTTPS only)\n");
    return CECTL_USAGE;
  }
  if (fp) {
    if (strncasecmp (fp, "sha256:", 7) || ce_hex_decode (fp + 7, c.fingerprint, 32) == -1) {
      fprintf (stderr, "cectl: --fingerprint must be sha256: and 64 hex digits\n");
      return CECTL_USAGE;
    }
    c.has_fingerprint = true;
  }
  if (fp && c.cacert) {
    fprintf (stderr, "cectl: use --fingerprint or --cacert, not both\n");
    return CECTL_USAGE;
  }
  const char *cmd = argv[optind];
  if (token_file) {
    c.token = read_token (token_file);
    if (!c.token) {
      fprintf (stderr, "cectl: %s: %s\n", token_file, strerror (errno));
      return CECTL_USAGE;
    }
  }
  else if (strcmp (cmd, "health")) {
    fprintf (stderr, "cectl: --token-file is required for '%s'\n", cmd);
    return CECTL_USAGE;
  }

  curl_global_init (CURL_GLOBAL_DEFAULT);
  int sub_argc = argc - optind;
  char **sub_argv = argv + optind;
  if (!strcmp (cmd, "health"))
    rc = cectl_cmd_health (&c, sub_argc, sub_argv);
  else if (!strcmp (cmd, "info"))
    rc = cectl_cmd_info (&c, sub_argc, sub_argv);
  else if (!strcmp (cmd, "disks"))
    rc = cectl_cmd_disks (&c, sub_argc, sub_argv);
  else if (!strcmp (cmd, "job"))
    rc = cectl_cmd_job (&c, sub_argc, sub_argv);
  else if (!strcmp (cmd, "artifact"))
    rc = cectl_cmd_artifact (&c, sub_argc, sub_argv);
  else if (!strcmp (cmd, "complete"))
    rc = cectl_cmd_complete (&c, sub_argc, sub_argv);
  else
    rc = CECTL_USAGE;
  if (rc == CECTL_USAGE)
    fprintf (stderr, "cectl: usage error; see cectl --help\n");
  curl_global_cleanup ();
  if (c.token) {
    OPENSSL_cleanse (c.token, strlen (c.token));
    free (c.token);
  }
  return rc;
}
