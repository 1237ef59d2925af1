/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the libFuzzer targets found in the parsers of disk bytes, each as
 * an explicit case (the crashing inputs are also in the seed corpora,
 * tests/fuzz/corpus/):
 *   - fw-rule: a firewall rule string with two Active= fields was enabled
 *     in one only, so a re-run changed it again and the firewall could
 *     read the one still FALSE;
 *   - gpo-ini: a gpt.ini with lines above its first section and no
 *     [General] got [General] inserted above those lines, which then
 *     became part of it; a key given twice was edited in its last copy
 *     while the first is the one read; scripts.ini likewise;
 *   - evtx: an event log shorter than its 4 KiB header made libevtx read
 *     past our buffer through libbfio's unclamped memory range (heap
 *     overflow under ASan); a log cut inside a chunk likewise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "offlinewin.h"
#include "diag/diag.h"

/* prepare/op-platform.c and op-firstboot.c test entry points. */
json_t *ow_platforms_load (void);
char *ow_platform_rule_enable (const char *rule, json_t *groups, bool *member);
char *ow_fb_gpt_merge (const char *old, bool bump, bool *changed);
char *ow_fb_ini_get (const char *text, const char *section, const char *key);
char *ow_fb_scripts_merge (const char *old, const char *cmdline, const char *params,
                           bool *changed, bool *had_ours);

#define CSE  "{42B5FAAE-6536-11D2-AE5A-0000F87571E3}"
#define TOOL "{40B6664F-4972-11D1-A7CA-0000F87571E3}"
#define REG  "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"
#define REGT "{0F6B957D-509E-11D1-A7CC-0000F87571E3}"
#define CMD  "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
#define PAR  "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File " \
             "\"C:\\ProgramData\\CE-Appliance\\firstboot\\runner.ps1\""

static void
test_rule_with_two_active_fields (void **state)
{
  json_t *table = ow_platforms_load ();
  json_t *groups = json_object_get (json_object_get (json_object_get (table, "rdp"), "firewall"),
                                    "groups");
  bool member = false;
  char *on, *again;

  (void) state;
  assert_non_null (groups);
  on = ow_platform_rule_enable ("v2.31|Action=Allow|Active=FALSE|Dir=In|Active=|"
                                "EmbedCtxt=@FirewallAPI.dll,-28752|", groups, &member);
  assert_true (member);
  assert_non_null (on);
  assert_string_equal (on, "v2.31|Action=Allow|Active=TRUE|Dir=In|Active=TRUE|"
                       "EmbedCtxt=@FirewallAPI.dll,-28752|");
  again = ow_platform_rule_enable (on, groups, &member);
  assert_null (again);
  free (on);
  json_decref (table);
}

/* OLD merged, then the result merged again: the second changes nothing. */
static char *
gpt_twice (const char *old)
{
  bool changed;
  char *m = ow_fb_gpt_merge (old, false, &changed), *m2;

  assert_non_null (m);
  m2 = ow_fb_gpt_merge (m, false, &changed);
  assert_non_null (m2);
  assert_false (changed);
  assert_string_equal (m2, m);
  free (m2);
  return m;
}

static void
test_gpt_lines_above_first_section (void **state)
{
  char *m;

  (void) state;
  m = gpt_twice ("gPCMachineExtensionNames=[" REG REGT "]\r\n[Other]\r\nx=1\r\n");
  assert_string_equal (m, "gPCMachineExtensionNames=[" REG REGT "]\r\n"
                       "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=1\r\n"
                       "[Other]\r\nx=1\r\n");
  free (m);
  m = gpt_twice ("Version=5\r\n");
  assert_string_equal (m, "Version=5\r\n[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\n"
                       "Version=1\r\n");
  free (m);
}

static void
test_gpt_key_given_twice (void **state)
{
  char *m, *ext;

  (void) state;
  m = gpt_twice ("[General]\r\ngPCMachineExtensionNames=[" REG REGT "]\r\nVersion=3\r\n"
                 "gPCMachineExtensionNames=[" REG REGT "]\r\nVersion=9\r\n");
  ext = ow_fb_ini_get (m, "General", "gPCMachineExtensionNames");
  assert_string_equal (ext, "[" REG REGT "][" CSE TOOL "]");
  assert_string_equal (m, "[General]\r\ngPCMachineExtensionNames=[" REG REGT "][" CSE TOOL "]\r\n"
                       "Version=4\r\ngPCMachineExtensionNames=[" REG REGT "]\r\nVersion=9\r\n");
  free (ext);
  free (m);
}

static void
test_scripts_entry_given_twice (void **state)
{
  bool changed, had;
  char *m, *m2;

  (void) state;
  m = ow_fb_scripts_merge ("[Startup]\r\n0CmdLine=old.exe\r\n0Parameters=" PAR "\r\n"
                           "0CmdLine=other.exe\r\n", CMD, PAR, &changed, &had);
  assert_non_null (m);
  assert_true (changed);
  assert_true (had);
  assert_string_equal (m, "[Startup]\r\n0CmdLine=" CMD "\r\n0Parameters=" PAR "\r\n"
                       "0CmdLine=other.exe\r\n");
  m2 = ow_fb_scripts_merge (m, CMD, PAR, &changed, &had);
  assert_non_null (m2);
  assert_false (changed);
  assert_string_equal (m2, m);
  free (m2);
  free (m);
}

static int
count_event (void *opaque, const struct diag_event *ev)
{
  (void) ev;
  ++*(size_t *) opaque;
  return 0;
}

static void
test_evtx_shorter_than_its_header (void **state)
{
  /* The start of a file header, as the fuzzer's input had it. */
  static const uint8_t head[100] = "ElfFile";
  size_t seen = 0, n = 0;
  (void) state;
  assert_int_equal (ow_diag_evtx_read (head, sizeof head, 10, NULL, count_event, &seen, &n), -1);
  assert_non_null (strstr (ow_error_message (), "shorter than the file header"));
  ow_error_clear ();
}

static void
test_evtx_cut_inside_a_chunk (void **state)
{
  /* A header, then 100 bytes of a chunk: libevtx reads 64 KiB there. */
  size_t len = 4096 + 100, seen = 0, n = 0;
  uint8_t *buf = calloc (1, len);
  (void) state;
  assert_non_null (buf);
  memcpy (buf, "ElfFile", 8);
  memcpy (buf + 4096, "ElfChnk", 8);
  /* Refused or read, never beyond BUF (ASan would stop the test). */
  if (ow_diag_evtx_read (buf, len, 10, NULL, count_event, &seen, &n) == -1)
    assert_non_null (strstr (ow_error_message (), "event log: "));
  ow_error_clear ();
  free (buf);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_rule_with_two_active_fields),
    cmocka_unit_test (test_gpt_lines_above_first_section),
    cmocka_unit_test (test_gpt_key_given_twice),
    cmocka_unit_test (test_scripts_entry_given_twice),
    cmocka_unit_test (test_evtx_shorter_than_its_header),
    cmocka_unit_test (test_evtx_cut_inside_a_chunk),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
