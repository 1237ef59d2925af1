/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every address of an SMB server is tried (agent/share/mount.c): the
 * resolver returns all of getaddrinfo's addresses without duplicates, and
 * the mount loop moves on to the next address only when one could not be
 * reached (a refused password is the same on every address). */
#include <errno.h>
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

static size_t
count (char **ips)
{
  size_t n = 0;
  while (ips && ips[n])
    n++;
  return n;
}

static void
test_resolve (void **state)
{
  struct ce_error err = { 0 };
  char **ips;
  (void) state;

  ips = ce_share_resolve ("127.0.0.1", &err);
  assert_non_null (ips);
  assert_int_equal (count (ips), 1);
  assert_string_equal (ips[0], "127.0.0.1");
  ce_share_addrs_free (ips);

  ips = ce_share_resolve ("::1", &err);
  assert_non_null (ips);
  assert_int_equal (count (ips), 1);
  assert_string_equal (ips[0], "::1");
  ce_share_addrs_free (ips);

  /* localhost: every address once (getaddrinfo lists one per socket type
   * without the hint; the resolver asks for streams and deduplicates). */
  ips = ce_share_resolve ("localhost", &err);
  assert_non_null (ips);
  bool v4 = false;
  for (size_t i = 0; ips[i]; i++) {
    v4 |= !strcmp (ips[i], "127.0.0.1");
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal (ips[i], ips[j]);
  }
  assert_true (v4);
  ce_share_addrs_free (ips);

  ips = ce_share_resolve ("no-such-host.invalid", &err);
  assert_null (ips);
  assert_string_equal (err.code, "shareUnreachable");
  ce_error_clear (&err);
}

struct script {
  const int *results;        /* what each attempt returns, in order */
  char tried[8][64];
  size_t n;
};

static int
attempt (void *opaque, const char *ip)
{
  struct script *s = opaque;
  snprintf (s->tried[s->n], sizeof s->tried[0], "%s", ip);
  return s->results[s->n++];
}

static void
test_every_address_tried (void **state)
{
  char *ips[] = { (char *) "2001:db8::1", (char *) "192.0.2.1", (char *) "192.0.2.2", NULL };
  const char *used;
  (void) state;

  /* Unreachable, refused, then one that mounts: all three tried. */
  const int r1[] = { ENETUNREACH, ECONNREFUSED, 0 };
  struct script s1 = { r1, { { 0 } }, 0 };
  assert_int_equal (ce_share_try_addresses (ips, attempt, &s1, &used), 0);
  assert_int_equal (s1.n, 3);
  assert_string_equal (s1.tried[0], "2001:db8::1");
  assert_string_equal (s1.tried[2], "192.0.2.2");
  assert_string_equal (used, "192.0.2.2");

  /* Every address unreachable: the last error. */
  const int r2[] = { ETIMEDOUT, EHOSTUNREACH, ECONNREFUSED };
  struct script s2 = { r2, { { 0 } }, 0 };
  assert_int_equal (ce_share_try_addresses (ips, attempt, &s2, &used), ECONNREFUSED);
  assert_int_equal (s2.n, 3);

  /* Credentials refused: the server answered, no other address asked. */
  const int r3[] = { EACCES, 0, 0 };
  struct script s3 = { r3, { { 0 } }, 0 };
  assert_int_equal (ce_share_try_addresses (ips, attempt, &s3, &used), EACCES);
  assert_int_equal (s3.n, 1);
  assert_string_equal (used, "2001:db8::1");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_resolve),
    cmocka_unit_test (test_every_address_tried),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
