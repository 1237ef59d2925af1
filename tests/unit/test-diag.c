/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The diagnostics' rules that need no disk, table-driven: which names are
 * never bundled, what redaction replaces and what it leaves, that a job
 * document with an SMB password is excluded, and that ow_diagnose refuses
 * a disk opened for writing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "offlinewin.h"
#include "diag/diag.h"

static void
test_forbidden_names (void **state)
{
  static const struct { const char *path; bool forbidden; } t[] = {
    { "Windows/System32/config/SAM", true },
    { "Windows/System32/config/sam.LOG1", true },
    { "Windows/System32/config/SECURITY", true },
    { "C:\\Windows\\System32\\config\\SECURITY.ce-backup", true },
    { "Windows/Panther/unattend.xml", true },
    { "/tmp/in/Autounattend.xml", true },
    { "Windows/Panther/Unattend/Unattend.XML", true },
    { "Windows/System32/config/SYSTEM", false },
    { "Windows/Panther/setupact.log", false },
    { "samples.log", false },
    { "security-audit.txt", false },
  };
  (void) state;
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (ow_diag_name_forbidden (t[i].path) != t[i].forbidden)
      fail_msg ("%s: forbidden should be %d", t[i].path, t[i].forbidden);
}

static void
test_redaction (void **state)
{
  static const struct { const char *in, *secret, *kept; bool exclude; } t[] = {
    { "user=svc password=S3cret-1 host=x", "S3cret-1", "host=x", false },
    { "Password: \"S3cret-2\"\r\n", "S3cret-2", "Password", false },
    { "Authorization: Bearer tok-3\n", "tok-3", "Bearer", false },
    { "smb://svc:S3cret-4@files/share\n", "S3cret-4", "@files/share", false },
    { "{\"t\":\"log\",\"msg\":\"pwd=S3cret-5\"}\n", "S3cret-5", "\"log\"", false },
    { "{\"type\":\"prepare\",\"token\":\"S3cret-6\"}", "S3cret-6", "prepare", false },
    { "{\"type\":\"export\",\"outputStorageLocation\":{\"location\":\"smb://f/s\","
      "\"password\":\"S3cret-7\"}}", "S3cret-7", "export", true },
    { "nothing to hide here\n", NULL, "nothing to hide here", false },
  };
  (void) state;
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    bool ex = false;
    char *out = ow_diag_redact (t[i].in, strlen (t[i].in), &ex);
    assert_non_null (out);
    if (t[i].secret && strstr (out, t[i].secret))
      fail_msg ("case %zu: '%s' left in '%s'", i, t[i].secret, out);
    if (!strstr (out, t[i].kept))
      fail_msg ("case %zu: '%s' lost from '%s'", i, t[i].kept, out);
    assert_int_equal (ex, t[i].exclude);
    free (out);
  }
}

static void
test_refuses_writable_disk (void **state)
{
  size_t size = 1 << 20;
  void *buf = calloc (1, size);
  struct ow_disk *disk;
  char *report = NULL;
  (void) state;
  assert_non_null (buf);
  disk = ow_disk_open_memory (buf, size, 512, 0);
  assert_non_null (disk);
  assert_int_equal (ow_diagnose (disk, NULL, &report), -1);
  assert_int_equal (ow_error_class (), OW_ERR_INVALID);
  assert_non_null (strstr (ow_error_message (), "read-only"));
  assert_null (report);
  ow_disk_close (disk);
  /* Read-only, the empty disk gets a report (no Windows) and no write. */
  disk = ow_disk_open_memory (buf, size, 512, OW_DISK_RDONLY);
  assert_int_equal (ow_diagnose (disk, NULL, &report), 0);
  assert_non_null (strstr (report, "\"no-windows\""));
  free (report);
  ow_disk_close (disk);
  free (buf);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_forbidden_names),
    cmocka_unit_test (test_redaction),
    cmocka_unit_test (test_refuses_writable_disk),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
