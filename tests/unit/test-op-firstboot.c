/* SPDX-License-Identifier: GPL-3.0-or-later */
/* First-boot runner registration: reading ini files as Windows writes
 * them (UTF-16LE with BOM per MS-GPSCR, or ANSI), merging our entry into
 * scripts.ini and the scripts extension into gpt.ini without touching
 * anything else, and the SHA-256 the components step checks artifacts
 * with (FIPS 180-2 test vectors). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "offlinewin.h"

#define ARRAY_SIZE(a) (sizeof (a) / sizeof (a)[0])

/* Entry points of op-firstboot.c / op-components.c (not in prepare.h). */
int ow_fb_ini_decode (const void *buf, size_t len, char **text, int *enc);
void *ow_fb_ini_encode (const char *text, int enc, size_t *len);
char *ow_fb_ext_merge (const char *names);
char *ow_fb_gpt_merge (const char *old, bool bump, bool *changed);
char *ow_fb_ini_get (const char *text, const char *section, const char *key);
char *ow_fb_scripts_merge (const char *old, const char *cmdline, const char *params,
                           bool *changed, bool *had_ours);
int ow_sha256_file (const char *path, char hex[65]);

#define CSE  "{42B5FAAE-6536-11D2-AE5A-0000F87571E3}"
#define TOOL "{40B6664F-4972-11D1-A7CA-0000F87571E3}"
#define REG  "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"
#define REGT "{D02B1F72-3407-48AE-BA88-E8213C6761F1}"
#define SEC  "{827D319E-6EAC-11D2-A4EA-00C04F79F83A}"
#define SECT "{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}"
#define CMD  "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
#define PAR  "-NoProfile -File \"C:\\ProgramData\\CE-Appliance\\firstboot\\runner.ps1\""

enum { ANSI = 0, UTF8BOM = 1, UTF16 = 2 };

static void
test_decode (void **state)
{
  static const struct {
    const char *what, *bytes;
    size_t len;
    int enc;
    const char *text;
  } cases[] = {
    { "UTF-16LE with BOM", "\xff\xfe[\0S\0]\0\r\0\n\0", 12, UTF16, "[S]\r\n" },
    { "UTF-16LE without BOM", "[\0S\0]\0", 6, UTF16, "[S]" },
    { "ANSI", "[General]\r\nVersion=1\r\n", 22, ANSI, "[General]\r\nVersion=1\r\n" },
    { "UTF-8 with BOM", "\xef\xbb\xbf[G]", 6, UTF8BOM, "[G]" },
    { "odd trailing byte of UTF-16 ignored", "\xff\xfe[\0]\0X", 7, UTF16, "[]" },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++) {
    char *t = NULL;
    int enc = -1;
    print_message ("decode: %s\n", cases[i].what);
    assert_int_equal (ow_fb_ini_decode (cases[i].bytes, cases[i].len, &t, &enc), 0);
    assert_int_equal (enc, cases[i].enc);
    assert_string_equal (t, cases[i].text);
    free (t);
  }
}

static void
test_decode_refuses (void **state)
{
  char *t = NULL;
  int enc;

  (void) state;
  assert_int_equal (ow_fb_ini_decode ("\xfe\xff\0[", 4, &t, &enc), -1);   /* UTF-16BE */
  assert_int_equal (ow_fb_ini_decode ("ab\0cd", 5, &t, &enc), -1);         /* NUL in ANSI */
  assert_null (t);
}

static void
test_encode_round_trip (void **state)
{
  size_t len = 0;
  unsigned char *b;
  char *t = NULL;
  int enc;

  (void) state;
  b = ow_fb_ini_encode ("[Startup]\r\n0CmdLine=\xc3\xa9\r\n", UTF16, &len);
  assert_non_null (b);
  assert_int_equal (len, 2 + 2 * 23);   /* 23 UTF-16 code units, no NUL */
  assert_memory_equal (b, "\xff\xfe[\0S\0", 6);
  assert_int_equal (ow_fb_ini_decode (b, len, &t, &enc), 0);
  assert_int_equal (enc, UTF16);
  assert_string_equal (t, "[Startup]\r\n0CmdLine=\xc3\xa9\r\n");
  free (b);
  free (t);
  b = ow_fb_ini_encode ("x", ANSI, &len);
  assert_int_equal (len, 1);
  assert_memory_equal (b, "x", 1);
  free (b);
}

static void
test_ext_merge (void **state)
{
  static const struct { const char *in, *out; } cases[] = {
    { "", "[" CSE TOOL "]" },
    { "[" CSE TOOL "]", "[" CSE TOOL "]" },
    /* Registry CSE sorts before Scripts, Security after: inserted between. */
    { "[" REG REGT "][" SEC SECT "]", "[" REG REGT "][" CSE TOOL "][" SEC SECT "]" },
    /* Scripts present with the logon/logoff tool only: ours is appended. */
    { "[" CSE "{40B66650-4972-11D1-A7CA-0000F87571E3}]",
      "[" CSE "{40B66650-4972-11D1-A7CA-0000F87571E3}" TOOL "]" },
    /* Case of an existing entry does not matter. */
    { "[{42b5faae-6536-11d2-ae5a-0000f87571e3}{40b6664f-4972-11d1-a7ca-0000f87571e3}]",
      "[{42b5faae-6536-11d2-ae5a-0000f87571e3}{40b6664f-4972-11d1-a7ca-0000f87571e3}]" },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++) {
    char *r = ow_fb_ext_merge (cases[i].in);
    assert_non_null (r);
    assert_string_equal (r, cases[i].out);
    free (r);
  }
  assert_null (ow_fb_ext_merge ("[{not-a-guid}]"));
  assert_null (ow_fb_ext_merge ("junk"));
  assert_null (ow_fb_ext_merge ("[]"));
}

static void
test_gpt_merge (void **state)
{
  static const struct {
    const char *what, *old;
    bool bump, changed;
    const char *want;
  } cases[] = {
    { "no gpt.ini", NULL, true, true,
      "[General]\r\ngPCFunctionalityVersion=2\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\n"
      "Version=1\r\n" },
    { "existing with the registry extension: merged, computer version bumped, user kept",
      "[General]\r\ngPCFunctionalityVersion=2\r\ngPCMachineExtensionNames=[" REG REGT "]\r\n"
      "gPCUserExtensionNames=[" REG REGT "]\r\nVersion=131075\r\n", false, true,
      "[General]\r\ngPCFunctionalityVersion=2\r\ngPCMachineExtensionNames=[" REG REGT "][" CSE TOOL "]\r\n"
      "gPCUserExtensionNames=[" REG REGT "]\r\nVersion=131076\r\n" },
    { "already listed, scripts unchanged: nothing to do",
      "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=7\r\n", false, false,
      "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=7\r\n" },
    { "already listed, scripts changed: version only",
      "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=7\r\n", true, true,
      "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=8\r\n" },
    { "computer version wraps to 1, user version kept",
      "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=196607\r\n", true, true,
      "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=131073\r\n" },
    { "no extension line: inserted before Version, LF input",
      "[General]\nVersion=65536\n", false, true,
      "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=65537\r\n" },
    { "no [General]: added",
      "[Other]\r\nx=1\r\n", false, true,
      "[General]\r\ngPCMachineExtensionNames=[" CSE TOOL "]\r\nVersion=1\r\n[Other]\r\nx=1\r\n" },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++) {
    bool changed = !cases[i].changed;
    char *r = ow_fb_gpt_merge (cases[i].old, cases[i].bump, &changed);
    print_message ("gpt.ini: %s\n", cases[i].what);
    if (r == NULL)
      fail_msg ("%s", ow_error_message ());
    assert_int_equal (changed, cases[i].changed);
    if (cases[i].changed)
      assert_string_equal (r, cases[i].want);
    free (r);
  }
}

static void
test_gpt_bad_version (void **state)
{
  bool changed;

  (void) state;
  assert_null (ow_fb_gpt_merge ("[General]\r\nVersion=x1\r\n", true, &changed));
  assert_null (ow_fb_gpt_merge ("[General]\r\nVersion=4294967296\r\n", true, &changed));
}

static void
test_scripts_merge (void **state)
{
  static const struct {
    const char *what, *old;
    bool changed, had;
    const char *want;
  } cases[] = {
    { "no scripts.ini", NULL, true, false,
      "[Startup]\r\n0CmdLine=" CMD "\r\n0Parameters=" PAR "\r\n" },
    { "next free index after two entries, shutdown section kept",
      "\r\n[Startup]\r\n0CmdLine=a.cmd\r\n0Parameters=\r\n1CmdLine=b.cmd\r\n1Parameters=-x\r\n"
      "\r\n[Shutdown]\r\n0CmdLine=s.cmd\r\n0Parameters=\r\n", true, false,
      "\r\n[Startup]\r\n0CmdLine=a.cmd\r\n0Parameters=\r\n1CmdLine=b.cmd\r\n1Parameters=-x\r\n"
      "2CmdLine=" CMD "\r\n2Parameters=" PAR "\r\n\r\n[Shutdown]\r\n0CmdLine=s.cmd\r\n0Parameters=\r\n" },
    { "only a shutdown section: startup appended",
      "[Shutdown]\r\n0CmdLine=s.cmd\r\n0Parameters=\r\n", true, false,
      "[Shutdown]\r\n0CmdLine=s.cmd\r\n0Parameters=\r\n[Startup]\r\n0CmdLine=" CMD "\r\n0Parameters=" PAR "\r\n" },
    { "ours already there: unchanged",
      "[Startup]\r\n0CmdLine=a.cmd\r\n0Parameters=\r\n1CmdLine=" CMD "\r\n1Parameters=" PAR "\r\n",
      false, true,
      "[Startup]\r\n0CmdLine=a.cmd\r\n0Parameters=\r\n1CmdLine=" CMD "\r\n1Parameters=" PAR "\r\n" },
    { "ours with an old command line: replaced in place",
      "[Startup]\r\n0CmdLine=D:\\old\\powershell.exe\r\n0Parameters=" PAR "\r\n1CmdLine=a.cmd\r\n1Parameters=\r\n",
      true, true,
      "[Startup]\r\n0CmdLine=" CMD "\r\n0Parameters=" PAR "\r\n1CmdLine=a.cmd\r\n1Parameters=\r\n" },
    { "section name in another case",
      "[STARTUP]\r\n0CmdLine=a.cmd\r\n0Parameters=\r\n", true, false,
      "[STARTUP]\r\n0CmdLine=a.cmd\r\n0Parameters=\r\n1CmdLine=" CMD "\r\n1Parameters=" PAR "\r\n" },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++) {
    bool changed, had;
    char *r = ow_fb_scripts_merge (cases[i].old, CMD, PAR, &changed, &had);
    print_message ("scripts.ini: %s\n", cases[i].what);
    if (r == NULL)
      fail_msg ("%s", ow_error_message ());
    assert_int_equal (changed, cases[i].changed);
    assert_int_equal (had, cases[i].had);
    assert_string_equal (r, cases[i].want);
    free (r);
  }
}

static void
test_ini_get (void **state)
{
  char *v;

  (void) state;
  v = ow_fb_ini_get ("[general]\r\n gPCMachineExtensionNames = [" CSE TOOL "]\r\n",
                     "General", "gPCMachineExtensionNames");
  assert_non_null (v);
  assert_string_equal (v, "[" CSE TOOL "]");
  free (v);
  assert_null (ow_fb_ini_get ("[Other]\r\nVersion=1\r\n", "General", "Version"));
}

static void
test_sha256 (void **state)
{
  static const struct { const char *data, *hex; } v[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  };
  char path[] = "/tmp/test-op-sha.XXXXXX", hex[65];

  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (v); i++) {
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    assert_int_equal (write (fd, v[i].data, strlen (v[i].data)), (ssize_t) strlen (v[i].data));
    close (fd);
    if (ow_sha256_file (path, hex) == -1 && ow_error_errno () == ENOSYS) {
      unlink (path);
      skip ();     /* no libcrypto.so.3 on this machine */
    }
    unlink (path);
    assert_string_equal (hex, v[i].hex);
    strcpy (path, "/tmp/test-op-sha.XXXXXX");
  }
  assert_int_equal (ow_sha256_file ("/nonexistent/x", hex), -1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_decode),
    cmocka_unit_test (test_decode_refuses),
    cmocka_unit_test (test_encode_round_trip),
    cmocka_unit_test (test_ext_merge),
    cmocka_unit_test (test_gpt_merge),
    cmocka_unit_test (test_gpt_bad_version),
    cmocka_unit_test (test_scripts_merge),
    cmocka_unit_test (test_ini_get),
    cmocka_unit_test (test_sha256),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
