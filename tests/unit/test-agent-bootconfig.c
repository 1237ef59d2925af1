/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Table-driven tests of the boot config parser and its sources (--config,
 * fw_cfg, ce.config=<base64> on the kernel command line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"

struct ce_agent ce_agent;
void ce_agent_request_exit (const char *reason) { (void) reason; }

#define TOKEN "abcdefghijklmnopqrstuvwxyz0123456789ABCD"

struct ccase {
  const char *json;
  bool ok;
  const char *msg;        /* refused: fragment of the message */
};

static const struct ccase cases[] = {
  { "{\"token\":\"" TOKEN "\"}", true, NULL },
  { "{\"token\":\"" TOKEN "\",\"idleTimeoutSeconds\":0,\"jobDeadlineSeconds\":60,"
    "\"callbackUrl\":\"https://c.example/x\",\"callbackFingerprint\":\"sha256:"
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}", true, NULL },
  { "{}", false, "\"token\" is missing" },
  { "{\"token\":\"short\"}", false, "too short" },
  { "{\"token\":\"" TOKEN "\",\"extra\":1}", false, "unknown key \"extra\"" },
  { "{\"token\":1234}", false, "must be a string" },
  { "{\"token\":\"" TOKEN " with spaces\"}", false, "may only contain" },
  { "{\"token\":\"" TOKEN "\",\"idleTimeoutSeconds\":-5}", false, "between 0" },
  { "{\"token\":\"" TOKEN "\",\"idleTimeoutSeconds\":\"5\"}", false, "must be an integer" },
  { "{\"token\":\"" TOKEN "\",\"callbackUrl\":\"http://c.example/\"}", false, "https://" },
  { "{\"token\":\"" TOKEN "\",\"callbackFingerprint\":\"sha256:00\",\"callbackUrl\":\"https://x/\"}",
    false, "64 hex digits" },
  { "{\"token\":\"" TOKEN "\",\"callbackCa\":\"PEM\"}", false, "without \"callbackUrl\"" },
  { "{\"token\":\"" TOKEN "\",\"tlsKey\":\"PEM\"}", false, "together" },
  { "{\"token\":\"" TOKEN "\",\"exportRoot\":\"/srv/exports\"}", true, NULL },
  { "{\"token\":\"" TOKEN "\",\"exportRoot\":\"exports\"}", false, "absolute directory" },
  { "{\"token\":\"" TOKEN "\",\"exportRoot\":7}", false, "must be a string" },
  { "{\"token\":\"" TOKEN "\",\"token\":\"" TOKEN "\"}", false, "invalid JSON" },
  { "[\"" TOKEN "\"]", false, "JSON object" },
  { "", false, "invalid JSON" },
};

static void
test_table (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct ce_config cfg;
    char *msg = NULL;
    int r = ce_config_parse (cases[i].json, strlen (cases[i].json), &cfg, &msg);
    if (cases[i].ok) {
      if (r != 0)
        fail_msg ("case %zu refused: %s", i, msg);
      assert_string_equal (cfg.token, TOKEN);
      ce_config_free (&cfg);
    }
    else {
      if (r == 0)
        fail_msg ("case %zu accepted", i);
      assert_non_null (msg);
      if (!strstr (msg, cases[i].msg))
        fail_msg ("case %zu: '%s' lacks '%s'", i, msg, cases[i].msg);
      if (strstr (msg, TOKEN))
        fail_msg ("case %zu: the message contains the token", i);
    }
    free (msg);
  }
}

static void
test_defaults (void **state)
{
  struct ce_config cfg;
  char *msg = NULL;
  const char *j = "{\"token\":\"" TOKEN "\"}";
  (void) state;
  assert_int_equal (ce_config_parse (j, strlen (j), &cfg, &msg), 0);
  assert_int_equal (cfg.idle_timeout_seconds, 900);
  assert_int_equal (cfg.job_deadline_seconds, 7200);
  assert_null (cfg.client_ca);
  assert_false (cfg.has_callback_fingerprint);
  ce_config_free (&cfg);
}

static char *
write_tmp (const char *content)
{
  char *path = strdup ("/tmp/ce-unit-bootcfg.XXXXXX");
  int fd = mkstemp (path);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, content, strlen (content)), (ssize_t) strlen (content));
  close (fd);
  return path;
}

static void
test_sources (void **state)
{
  const char *j = "{\"token\":\"" TOKEN "\"}";
  char *b64 = ce_base64_encode ((const uint8_t *) j, strlen (j)), *line = NULL;
  struct ce_config cfg;
  char *msg = NULL;
  (void) state;

  /* Kernel command line, among other parameters. */
  assert_true (asprintf (&line, "BOOT_IMAGE=/vmlinuz ce.config=%s quiet\n", b64) > 0);
  char *cmdline = write_tmp (line);
  struct ce_config_sources src = { NULL, "/nonexistent/fw_cfg", cmdline };
  assert_int_equal (ce_config_load (&src, &cfg, &msg), 0);
  assert_string_equal (cfg.token, TOKEN);
  assert_non_null (strstr (cfg.source, "command line"));
  ce_config_free (&cfg);

  /* fw_cfg wins over the command line. */
  char *fw = write_tmp ("{\"token\":\"" TOKEN "XYZ\"}");
  src.fw_cfg_path = fw;
  assert_int_equal (ce_config_load (&src, &cfg, &msg), 0);
  assert_string_equal (cfg.token, TOKEN "XYZ");
  ce_config_free (&cfg);

  /* --config wins over both; a bad one is an error, not a fallback. */
  char *file = write_tmp ("{\"token\":\"nope\"}");
  src.file = file;
  assert_int_equal (ce_config_load (&src, &cfg, &msg), -1);
  assert_non_null (strstr (msg, "too short"));
  free (msg);
  msg = NULL;

  /* Nothing anywhere. */
  struct ce_config_sources none = { NULL, "/nonexistent/a", "/nonexistent/b" };
  assert_int_equal (ce_config_load (&none, &cfg, &msg), -1);
  assert_non_null (strstr (msg, "none found"));
  free (msg);

  unlink (cmdline); unlink (fw); unlink (file);
  free (cmdline); free (fw); free (file); free (line); free (b64);
}

static void
test_base64_hex (void **state)
{
  size_t n;
  uint8_t out[4];
  (void) state;
  uint8_t *d = ce_base64_decode ("aGVsbG8=", 8, &n);
  assert_non_null (d);
  assert_int_equal (n, 5);
  assert_memory_equal (d, "hello", 5);
  free (d);
  assert_null (ce_base64_decode ("%%%", 3, &n));
  assert_int_equal (ce_hex_decode ("00ff10aB", out, 4), 0);
  assert_int_equal (out[1], 0xff);
  assert_int_equal (out[3], 0xab);
  assert_int_equal (ce_hex_decode ("00ff10a", out, 4), -1);
  assert_int_equal (ce_hex_decode ("00ff10ag", out, 4), -1);
}

int
main (void)
{
  /* The build machine may itself be a cloud VM with metadata of its own:
   * these tests are about the local sources. */
  setenv ("CE_PLATFORM", "none", 1);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_table),
    cmocka_unit_test (test_defaults),
    cmocka_unit_test (test_sources),
    cmocka_unit_test (test_base64_hex),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
