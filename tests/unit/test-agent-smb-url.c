/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Table-driven tests of the SMB location parser (agent/share/smb-url.c):
 * what each accepted URL decodes to, what each refused one says, and that
 * the password is wiped from a job record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"
#include "share/share.h"

struct ce_agent ce_agent;
void ce_agent_request_exit (const char *reason) { (void) reason; }

struct ucase {
  const char *url;
  const char *host;        /* NULL: refused */
  unsigned port;
  const char *share, *dir;
  const char *msg;         /* refused: fragment of the message */
};

static const struct ucase cases[] = {
  { "smb://files.example/images", "files.example", 445, "images", "", NULL },
  { "smb://files.example/images/", "files.example", 445, "images", "", NULL },
  { "SMB://files.example:4450/images/golden/2026/", "files.example", 4450, "images",
    "golden/2026", NULL },
  { "smb://10.0.2.2:1/s/a", "10.0.2.2", 1, "s", "a", NULL },
  { "smb://[fd00::1]:65535/s/", "fd00::1", 65535, "s", "", NULL },
  { "smb://[::1]/s", "::1", 445, "s", "", NULL },
  { "smb://h/my%20share/a%2Cb/%C3%A9t%c3%a9", "h", 445, "my share", "a,b/\xc3\xa9t\xc3\xa9", NULL },
  { "smb://h_1-x.y/s/...x/", "h_1-x.y", 445, "s", "...x", NULL },
  { "smb://", NULL, 0, NULL, NULL, "missing host" },
  { "smb://:445/s", NULL, 0, NULL, NULL, "missing host" },
  { "smb://h", NULL, 0, NULL, NULL, "missing share name" },
  { "smb://h/", NULL, 0, NULL, NULL, "missing share name" },
  { "smb://h:0/s", NULL, 0, NULL, NULL, "from 1 to 65535" },
  { "smb://h:65536/s", NULL, 0, NULL, NULL, "from 1 to 65535" },
  { "smb://h:123456/s", NULL, 0, NULL, NULL, "from 1 to 65535" },
  { "smb://h:-1/s", NULL, 0, NULL, NULL, "from 1 to 65535" },
  { "smb://h:/s", NULL, 0, NULL, NULL, "from 1 to 65535" },
  { "smb://u:p@h/s", NULL, 0, NULL, NULL, "user information" },
  { "smb://h/s/../t", NULL, 0, NULL, NULL, "'..' is not allowed in the directory" },
  { "smb://h/s/a/..", NULL, 0, NULL, NULL, "'..' is not allowed in the directory" },
  { "smb://h/s/%2e%2e/", NULL, 0, NULL, NULL, "'..' is not allowed" },
  { "smb://h/../s", NULL, 0, NULL, NULL, "'..' is not allowed in the share name" },
  { "smb://h/s/./x", NULL, 0, NULL, NULL, "'.' is not allowed" },
  { "smb://h/s/a%2fb", NULL, 0, NULL, NULL, "encoded '/'" },
  { "smb://h/s%5C/", NULL, 0, NULL, NULL, "encoded '/'" },
  { "smb://h/s/a%00", NULL, 0, NULL, NULL, "control character" },
  { "smb://h/s/a%1f", NULL, 0, NULL, NULL, "control character" },
  { "smb://h/s/a%7F", NULL, 0, NULL, NULL, "control character" },
  { "smb://h/s/a%", NULL, 0, NULL, NULL, "two hex digits" },
  { "smb://h/s/a%4", NULL, 0, NULL, NULL, "two hex digits" },
  { "smb://h/s/a%g0", NULL, 0, NULL, NULL, "two hex digits" },
  { "smb://h/s/a b", NULL, 0, NULL, NULL, "percent-encoded" },
  { "smb://h/s/a\tb", NULL, 0, NULL, NULL, "percent-encoded" },
  { "smb://h/s?x", NULL, 0, NULL, NULL, "no query" },
  { "smb://h/s#x", NULL, 0, NULL, NULL, "no query" },
  { "smb://h\\s", NULL, 0, NULL, NULL, "not '\\'" },
  { "smb://h/s//d", NULL, 0, NULL, NULL, "empty directory" },
  { "smb://h//d", NULL, 0, NULL, NULL, "empty share name" },
  { "smb://h!/s", NULL, 0, NULL, NULL, "host name may hold only" },
  { "smb://[fd00::1/s", NULL, 0, NULL, NULL, "without ']'" },
  { "smb://[]/s", NULL, 0, NULL, NULL, "not an IPv6 address" },
  { "smb://[fd00::g]/s", NULL, 0, NULL, NULL, "not an IPv6 address" },
  { "smb://[::1]x/s", NULL, 0, NULL, NULL, "after ']'" },
  { "smb://[::1]:0/s", NULL, 0, NULL, NULL, "from 1 to 65535" },
  { "smb:/h/s", NULL, 0, NULL, NULL, "expected smb://" },
  { "//h/s", NULL, 0, NULL, NULL, "expected smb://" },
};

static void
test_urls (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct ucase *c = &cases[i];
    struct ce_smb_url u;
    struct ce_error err = { 0 };
    int r = ce_smb_url_parse (c->url, &u, &err);
    if (c->host) {
      if (r != 0)
        fail_msg ("%s: refused: %s", c->url, err.message);
      assert_string_equal (u.host, c->host);
      assert_int_equal (u.port, c->port);
      assert_string_equal (u.share, c->share);
      assert_string_equal (u.dir, c->dir);
      /* Formatting and parsing again gives the same parts. */
      char *text = ce_smb_url_format (&u);
      struct ce_smb_url v;
      assert_non_null (text);
      if (ce_smb_url_parse (text, &v, &err) != 0)
        fail_msg ("%s -> %s: refused: %s", c->url, text, err.message);
      assert_string_equal (v.host, u.host);
      assert_int_equal (v.port, u.port);
      assert_string_equal (v.share, u.share);
      assert_string_equal (v.dir, u.dir);
      ce_smb_url_free (&v);
      free (text);
      ce_smb_url_free (&u);
    }
    else {
      if (r != -1)
        fail_msg ("%s: accepted", c->url);
      assert_int_equal (err.kind, CE_E_INVALID);
      assert_non_null (err.message);
      if (!strstr (err.message, c->msg))
        fail_msg ("%s: message '%s' lacks '%s'", c->url, err.message, c->msg);
      assert_non_null (strstr (err.message, "$.outputStorageLocation.location"));
      assert_null (u.host);
      assert_null (u.share);
      assert_null (u.dir);
    }
    ce_error_clear (&err);
  }
}

static void
test_format (void **state)
{
  struct ce_smb_url u;
  struct ce_error err = { 0 };
  char *t;
  (void) state;

  assert_int_equal (ce_smb_url_parse ("smb://H.example:445/my%20share/a%2Cb/%c3%a9/", &u, &err), 0);
  t = ce_smb_url_format (&u);
  assert_string_equal (t, "smb://H.example/my%20share/a,b/%C3%A9");
  free (t);
  ce_smb_url_free (&u);
  assert_int_equal (ce_smb_url_parse ("smb://[fd00::1]:4450/s", &u, &err), 0);
  t = ce_smb_url_format (&u);
  assert_string_equal (t, "smb://[fd00::1]:4450/s");
  free (t);
  ce_smb_url_free (&u);
}

static void
test_long_parts (void **state)
{
  char buf[8192];
  struct ce_smb_url u;
  struct ce_error err = { 0 };
  (void) state;

  snprintf (buf, sizeof buf, "smb://%0254d/s", 0);
  assert_int_equal (ce_smb_url_parse (buf, &u, &err), -1);
  assert_non_null (strstr (err.message, "host longer than 253"));
  snprintf (buf, sizeof buf, "smb://h/%081d", 0);
  assert_int_equal (ce_smb_url_parse (buf, &u, &err), -1);
  assert_non_null (strstr (err.message, "share name longer than 80"));
  memcpy (buf, "smb://h/s/", 10);
  memset (buf + 10, 'd', 1025);
  buf[1035] = '\0';
  assert_int_equal (ce_smb_url_parse (buf, &u, &err), -1);
  assert_non_null (strstr (err.message, "directory longer than 1024"));
  memset (buf + 10, 'd', 5000);
  buf[5010] = '\0';
  assert_int_equal (ce_smb_url_parse (buf, &u, &err), -1);
  assert_non_null (strstr (err.message, "longer than 4096"));
  ce_error_clear (&err);
}

struct lcase {
  const char *json;
  int ok;
  const char *msg;
};

static const struct lcase locs[] = {
  { "{\"location\":\"/srv/out\"}", 1, NULL },
  { "{\"location\":\"smb://h/s/\",\"username\":\"u\"}", 1, NULL },
  { "{\"location\":\"smb://h/s/\",\"username\":\"u\",\"password\":\"p,=x\",\"domain\":\"D\"}", 1, NULL },
  { "{\"location\":\"smb://h/s/\",\"password\":\"p\"}", 0, "missing field 'username'" },
  { "{\"location\":\"smb://h/s/\",\"username\":\"\"}", 0, "must not be empty" },
  { "{\"location\":\"/srv/out\",\"username\":\"u\"}", 0, "only used with smb://" },
  { "{\"location\":\"/srv/out\",\"domain\":\"d\"}", 0, "only used with smb://" },
  { "{\"location\":\"out\"}", 0, "absolute directory" },
  { "{\"location\":\"\\\\\\\\h\\\\s\"}", 0, "as smb://host/share/dir/" },
  { "{\"username\":\"u\"}", 0, "missing field 'location'" },
};

static void
test_locations (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof locs / sizeof locs[0]; i++) {
    json_t *loc = json_loads (locs[i].json, 0, NULL);
    struct ce_error err = { 0 };
    assert_non_null (loc);
    int r = ce_share_check_location (loc, &err);
    if (locs[i].ok && r != 0)
      fail_msg ("%s: refused: %s", locs[i].json, err.message);
    if (!locs[i].ok) {
      if (r != -1)
        fail_msg ("%s: accepted", locs[i].json);
      if (!strstr (err.message, locs[i].msg))
        fail_msg ("%s: message '%s' lacks '%s'", locs[i].json, err.message, locs[i].msg);
      assert_int_equal (err.kind, CE_E_INVALID);
    }
    ce_error_clear (&err);
    json_decref (loc);
  }
  assert_int_equal (ce_share_check_location (NULL, NULL), 0);
}

static void
test_forget_credentials (void **state)
{
  json_t *loc = json_pack ("{s:s, s:s, s:s}", "location", "smb://h/s/", "username", "u",
                           "password", "secret");
  char *text;
  (void) state;

  ce_share_forget_credentials (loc);
  assert_null (json_object_get (loc, "password"));
  assert_string_equal (json_string_value (json_object_get (loc, "username")), "u");
  text = json_dumps (loc, 0);
  assert_null (strstr (text, "secret"));
  free (text);
  ce_share_forget_credentials (loc);      /* nothing left: no-op */
  ce_share_forget_credentials (NULL);
  json_decref (loc);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_urls),
    cmocka_unit_test (test_format),
    cmocka_unit_test (test_long_parts),
    cmocka_unit_test (test_locations),
    cmocka_unit_test (test_forget_credentials),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
