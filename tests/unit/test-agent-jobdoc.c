/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Table-driven tests of the agent's job-document entry (ce_jobdoc_parse):
 * accepted documents, and for refused ones the HTTP-facing error kind, code
 * and the field or JSON path the message must name.  Also artifact names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"

/* The agent objects refer to main.c's globals. */
struct ce_agent ce_agent;
void ce_agent_request_exit (const char *reason) { (void) reason; }

struct jcase {
  const char *doc;
  const char *type;          /* accepted: its type */
  enum ce_err_kind kind;     /* refused: kind, code, message fragment */
  const char *code;
  const char *names;
};

static const struct jcase cases[] = {
  { "{\"type\":\"inspect\",\"disk\":\"/dev/sdb\"}", "inspect", 0, NULL, NULL },
  { "{\"type\":\"inspect\",\"disk\":\"serial:ABC\",\"waitForDiskSeconds\":30}", "inspect", 0, NULL, NULL },
  { "{\"type\":\"prepare\",\"disk\":\"/dev/sdb\",\"platform\":\"azure\",\"provisioningType\":\"Mcs\","
    "\"installMisa\":true,\"domainUnjoin\":true,\"enableRdp\":true,\"dryRun\":true}", "prepare", 0, NULL, NULL },
  { "{\"type\":\"prepare\",\"disk\":\"/dev/sdb\",\"platform\":\"aws\",\"provisioningType\":\"Pvs\","
    "\"installPvs\":\"7.31.0\",\"artifacts\":{\"pvs-7.31.0\":\"sha256:"
    "0000000000000000000000000000000000000000000000000000000000000000\"}}", "prepare", 0, NULL, NULL },
  { "{\"type\":\"inspect\",\"disk\":\"/x\",\"bogus\":1}", NULL, CE_E_INVALID, "unknownField", "'bogus'" },
  { "{\"type\":\"inspect\",\"disk\":\"/x\",\"platform\":\"azure\"}", NULL, CE_E_INVALID, "unknownField", "'platform'" },
  { "{\"type\":\"prepare\",\"disk\":\"/x\",\"platform\":\"azure\",\"provisioningType\":\"Mcs\",\"enableRdp\":1}",
    NULL, CE_E_INVALID, "invalidType", "$.enableRdp" },
  { "{\"type\":\"prepare\",\"disk\":\"/x\",\"platform\":\"azure\",\"provisioningType\":\"Mcs\","
    "\"xdReconfigure\":[{\"ParameterName\":\"portnumber\",\"ParameterValue\":80}]}",
    NULL, CE_E_INVALID, NULL, "$.xdReconfigure[0].ParameterValue" },
  { "{\"type\":\"prepare\",\"disk\":\"/x\",\"platform\":\"azure\",\"provisioningType\":\"Pvs\",\"installMisa\":true}",
    NULL, CE_E_INVALID, NULL, "installMisa" },
  { "{\"type\":\"inspect\"}", NULL, CE_E_INVALID, "missingField", "'disk'" },
  { "{\"disk\":\"/x\"}", NULL, CE_E_INVALID, "missingField", "'type'" },
  { "{\"type\":\"inspect\",\"disk\":\"/x\",\"disk\":\"/y\"}", NULL, CE_E_INVALID, "malformedJson", NULL },
  { "{\"type\":", NULL, CE_E_INVALID, "malformedJson", NULL },
  { "[]", NULL, CE_E_INVALID, "invalidType", "$" },
  { "{\"type\":\"inspect\",\"disk\":\"/x\",\"waitForDiskSeconds\":-1}", NULL, CE_E_INVALID, NULL, "waitForDiskSeconds" },
  { "{\"type\":\"inspect\",\"disk\":\"/x\",\"waitForDiskSeconds\":1.5}", NULL, CE_E_INVALID, "invalidType", "waitForDiskSeconds" },
  { "{\"type\":\"defrag\",\"disk\":\"/x\"}", NULL, CE_E_INVALID, NULL, "$.type" },
  { "{\"type\":\"inspect\",\"disk\":17}", NULL, CE_E_INVALID, "invalidType", "$.disk" },
};

static void
test_table (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct jcase *c = &cases[i];
    struct ce_error err = { 0 };
    json_t *doc = NULL;
    const char *type = ce_jobdoc_parse (c->doc, strlen (c->doc), &doc, &err);
    if (c->type) {
      if (!type)
        fail_msg ("case %zu refused: %s", i, err.message);
      assert_string_equal (type, c->type);
      assert_non_null (doc);
      assert_string_equal (json_string_value (json_object_get (doc, "type")), c->type);
    }
    else {
      if (type)
        fail_msg ("case %zu accepted: %s", i, c->doc);
      assert_null (doc);
      assert_int_equal (err.kind, c->kind);
      assert_non_null (err.message);
      if (c->code && strcmp (err.code, c->code))
        fail_msg ("case %zu: code %s, expected %s (%s)", i, err.code, c->code, err.message);
      if (c->names && !strstr (err.message, c->names))
        fail_msg ("case %zu: message '%s' does not name %s", i, err.message, c->names);
    }
    json_decref (doc);
    ce_error_clear (&err);
  }
}

static void
test_too_large (void **state)
{
  (void) state;
  size_t n = CE_MAX_JOB_BODY + 10;
  char *big = malloc (n);
  struct ce_error err = { 0 };
  json_t *doc = NULL;
  assert_non_null (big);
  memset (big, ' ', n);
  assert_null (ce_jobdoc_parse (big, n, &doc, &err));
  assert_int_equal (err.kind, CE_E_TOO_LARGE);
  ce_error_clear (&err);
  free (big);
}

static void
test_artifact_names (void **state)
{
  static const char *const good[] = { "a", "pvs-7.31.0.msi", "A_b-c.d", "x..y", NULL };
  static const char *const bad[] = { "", ".", "..", ".hidden", "a/b", "../x", "a b", "a\\b",
                                     "\xc3\xa9", "a;b", NULL };
  char longname[CE_MAX_ARTIFACT_NAME + 2];
  (void) state;
  for (const char *const *p = good; *p; p++)
    assert_true (ce_artifact_name_valid (*p));
  for (const char *const *p = bad; *p; p++)
    if (ce_artifact_name_valid (*p))
      fail_msg ("'%s' accepted", *p);
  memset (longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  assert_false (ce_artifact_name_valid (longname));
  longname[CE_MAX_ARTIFACT_NAME] = '\0';
  assert_true (ce_artifact_name_valid (longname));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_table),
    cmocka_unit_test (test_too_large),
    cmocka_unit_test (test_artifact_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
