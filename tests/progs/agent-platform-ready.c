/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Azure Ready report against a wire server at $CE_WIRESERVER_URL: goal
 * state, then health Ready.  A helper program, not a unit test: it needs
 * the loopback server that tests/test-agent-platform-metadata.sh starts
 * (which also checks the exchange and the health document), so it lives
 * outside tests/unit/ where the runner would count it as a skip.  Without
 * its environment it is a usage error (2), never a silent pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "agent.h"
#include "config/platform.h"

#define EXIT_USAGE 2

struct ce_agent ce_agent;
void ce_agent_request_exit (const char *reason) { (void) reason; }

static void
test_report_ready (void **state)
{
  (void) state;
  char *err = NULL;
  int r = ce_azure_report_ready (NULL, &err);
  if (r == -1)
    fprintf (stderr, "%s\n", err ? err : "?");
  assert_int_equal (r, 0);
  free (err);
}

/* A goal state without ContainerId: refused, no health report sent. */
static void
test_report_ready_bad_goal_state (void **state)
{
  (void) state;
  const char *bad = getenv ("CE_TEST_BAD_WIRESERVER_URL");
  char *err = NULL;
  assert_int_equal (ce_azure_report_ready (bad, &err), -1);
  assert_non_null (err);
  assert_non_null (strstr (err, "ContainerId"));
  free (err);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_report_ready),
    cmocka_unit_test (test_report_ready_bad_goal_state),
  };
  if (!getenv ("CE_WIRESERVER_URL") || !getenv ("CE_TEST_BAD_WIRESERVER_URL")) {
    fprintf (stderr, "needs CE_WIRESERVER_URL and CE_TEST_BAD_WIRESERVER_URL "
             "(run by tests/test-agent-platform-metadata.sh)\n");
    return EXIT_USAGE;
  }
  curl_global_init (CURL_GLOBAL_DEFAULT);
  int r = cmocka_run_group_tests (tests, NULL, NULL);
  curl_global_cleanup ();
  return r;
}
