/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one mapping from internal error kinds to HTTP statuses, and the
 * route table's shape (unique routes, all under /v1/, only GET /v1/health
 * without authentication, bodies only where a method takes one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/http.h"

struct ce_agent ce_agent;
void ce_agent_request_exit (const char *reason) { (void) reason; }

static void
test_status_map (void **state)
{
  static const struct { enum ce_err_kind kind; unsigned status; } map[] = {
    { CE_E_INVALID, 400 }, { CE_E_AUTH, 401 }, { CE_E_NOT_FOUND, 404 },
    { CE_E_METHOD, 405 }, { CE_E_CONFLICT, 409 }, { CE_E_TOO_LARGE, 413 },
    { CE_E_MEDIA_TYPE, 415 }, { CE_E_INTERNAL, 500 }, { CE_E_UNAVAILABLE, 503 },
    { CE_E_NONE, 500 },
  };
  (void) state;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    assert_int_equal (ce_error_status (map[i].kind), map[i].status);
}

static void
test_error_struct (void **state)
{
  struct ce_error a = { 0 }, b = { 0 };
  (void) state;
  assert_int_equal (ce_error_set (&a, CE_E_CONFLICT, "jobRunning", "job %s", "x"), -1);
  assert_string_equal (a.message, "job x");
  ce_error_set (&a, CE_E_INVALID, "unknownField", "field '%s'", "y");
  assert_int_equal (a.kind, CE_E_INVALID);
  ce_error_move (&b, &a);
  assert_null (a.message);
  assert_int_equal (a.kind, CE_E_NONE);
  assert_string_equal (b.code, "unknownField");
  ce_error_clear (&b);
  assert_null (b.message);
}

static void
test_routes (void **state)
{
  size_t unauth = 0;
  (void) state;
  assert_true (ce_nroutes >= 9);
  for (size_t i = 0; i < ce_nroutes; i++) {
    const struct route *r = &ce_routes[i];
    assert_int_equal (strncmp (r->pattern, "/v1/", 4), 0);
    assert_non_null (r->handler);
    if (!r->auth) {
      unauth++;
      assert_string_equal (r->pattern, "/v1/health");
    }
    if (!strcmp (r->method, "GET"))
      assert_int_equal (r->body, BODY_NONE);
    for (size_t j = i + 1; j < ce_nroutes; j++)
      if (!strcmp (r->method, ce_routes[j].method) && !strcmp (r->pattern, ce_routes[j].pattern))
        fail_msg ("duplicate route %s %s", r->method, r->pattern);
  }
  assert_int_equal (unauth, 1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_status_map),
    cmocka_unit_test (test_error_struct),
    cmocka_unit_test (test_routes),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
