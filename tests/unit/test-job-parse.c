/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The job-document parser: a table of documents, each accepted or refused
 * with a message naming the field or JSON path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "offlinewin.h"

struct row {
  const char *doc;
  const char *error;      /* NULL: accepted; else a substring of the message */
};

static const struct row rows[] = {
  { "{\"type\":\"prepare\",\"disk\":\"/dev/sdb\",\"platform\":\"azure\",\"provisioningType\":\"Mcs\","
    "\"pagefile\":\"auto\",\"xdReconfigure\":[{\"ParameterName\":\"controllers\",\"ParameterValue\":"
    "\"ddc1.corp.example,ddc2.corp.example\"},{\"ParameterName\":\"portnumber\",\"ParameterValue\":\"80\"}],"
    "\"installMisa\":true,\"domainUnjoin\":true,\"enableRdp\":true,\"dryRun\":false}", NULL },
  { "{\"type\":\"prepare\",\"installPvs\":\"7.31.0\",\"provisioningType\":\"Pvs\","
    "\"artifacts\":{\"pvs-7.31.0\":\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}", NULL },
  { "{\"type\":\"inspect\",\"disk\":\"x\"}", NULL },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"wem_cache_path\",\"ParameterValue\":\"D:\\\\wem\"},"
    "{\"ParameterName\":\"site_guid\",\"ParameterValue\":\"{12345678-1234-1234-1234-123456789abc}\"},"
    "{\"ParameterName\":\"enable_hdx_ports\",\"ParameterValue\":\"true\"}]}", NULL },
  { "not json", "not valid JSON" },
  { "[1,2]", "$: expected an object" },
  { "{}", "missing field 'type'" },
  { "{\"type\":\"frobnicate\"}", "'frobnicate' is not one of" },
  { "{\"type\":\"prepare\",\"colour\":\"blue\"}", "unknown field 'colour'" },
  { "{\"type\":\"inspect\",\"enableRdp\":true}", "'enableRdp' is not allowed in a 'inspect' job" },
  { "{\"type\":\"prepare\",\"enableRdp\":\"yes\"}", "$.enableRdp: expected true or false, got string" },
  { "{\"type\":\"prepare\",\"platform\":\"mars\"}", "$.platform: 'mars' is not one of" },
  { "{\"type\":\"prepare\",\"installMisa\":true,\"provisioningType\":\"Pvs\"}", "MISA is installed only with provisioningType \"Mcs\"" },
  { "{\"type\":\"prepare\",\"installMisa\":true}", "MISA is installed only" },
  { "{\"type\":\"prepare\",\"installPvs\":\"7.31.0\",\"provisioningType\":\"Mcs\"}", "installed only with provisioningType \"Pvs\"" },
  { "{\"type\":\"prepare\",\"installPvs\":\"latest\",\"provisioningType\":\"Pvs\"}", "is not a version" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":{}}", "$.xdReconfigure: expected an array" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"controllers\",\"ParameterValue\":\"bad_host!.corp\"}]}",
    "$.xdReconfigure[0].ParameterValue: 'bad_host!.corp' is not a valid host name" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"controllers\",\"ParameterValue\":\"-a.corp\"}]}", "not a valid host name" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"controllers\",\"ParameterValue\":\"ddc1\"}]}", "'ddc1' is not a valid host name" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"portnumber\",\"ParameterValue\":\"70000\"}]}", "not a port number" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"portnumber\",\"ParameterValue\":80}]}", "ParameterValue: expected a string" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"colour\",\"ParameterValue\":\"x\"}]}", "'colour' is not one of controllers" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"portnumber\",\"ParameterValue\":\"80\",\"x\":1}]}", "$.xdReconfigure[0]: unknown field 'x'" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"portnumber\",\"ParameterValue\":\"80\"},"
    "{\"ParameterName\":\"portnumber\",\"ParameterValue\":\"81\"}]}", "given twice" },
  { "{\"type\":\"prepare\",\"xdReconfigure\":[{\"ParameterName\":\"site_guid\",\"ParameterValue\":\"nope\"}]}", "is not a GUID" },
  { "{\"type\":\"prepare\",\"artifacts\":{\"../x\":\"sha256:00\"}}", "name '../x' is not allowed" },
  { "{\"type\":\"prepare\",\"artifacts\":{\"pvs\":\"md5:00\"}}", "$.artifacts.pvs: expected \"sha256:<64 hex digits>\"" },
  { "{\"type\":\"prepare\",\"workgroup\":\"THIS-NAME-IS-TOO-LONG\"}", "not a valid workgroup name" },
  { "{\"type\":\"prepare\",\"type\":\"export\"}", "duplicate" },
  { "{\"type\":\"export\",\"outputStorageLocation\":{\"username\":\"u\"}}", "missing field 'location'" },
  { "{\"type\":\"prepare\",\"waitForDiskSeconds\":-1}", "between 0 and" },
  { "{\"type\":\"prepare\",\"platform\":\"gcp\",\"drivers\":[\"virtio-win\"],\"missingDrivers\":\"warn\","
    "\"artifacts\":{\"virtio-win\":\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}", NULL },
  { "{\"type\":\"prepare\",\"drivers\":[\"virtio-win\"]}", "$.drivers[0]: driver package 'virtio-win' has no digest in \"artifacts\"" },
  { "{\"type\":\"prepare\",\"drivers\":\"virtio-win\"}", "$.drivers: expected an array of artifact names, got string" },
  { "{\"type\":\"prepare\",\"drivers\":[\"../iso\"]}", "$.drivers[0]: name '../iso' is not allowed" },
  { "{\"type\":\"prepare\",\"drivers\":[\"a\",\"a\"]}", "$.drivers[1]: 'a' is listed twice" },
  { "{\"type\":\"prepare\",\"drivers\":[1]}", "$.drivers[0]: expected an artifact name, got integer" },
  { "{\"type\":\"prepare\",\"missingDrivers\":\"ignore\"}", "$.missingDrivers: 'ignore' is not one of: refuse, warn" },
  { "{\"type\":\"export\",\"drivers\":[]}", "'drivers' is not allowed in a 'export' job" },
};

static void
test_job_documents (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    struct ow_job *j = ow_job_parse (rows[i].doc, strlen (rows[i].doc));
    if (rows[i].error == NULL) {
      if (j == NULL)
        fail_msg ("row %zu refused: %s", i, ow_error_message ());
      ow_job_free (j);
      continue;
    }
    if (j != NULL)
      fail_msg ("row %zu accepted, expected error containing \"%s\"", i, rows[i].error);
    assert_int_equal (ow_error_class (), OW_ERR_INVALID);
    if (strstr (ow_error_message (), rows[i].error) == NULL)
      fail_msg ("row %zu: message \"%s\" lacks \"%s\"", i, ow_error_message (), rows[i].error);
  }
}

static void
test_accessors (void **state)
{
  (void) state;
  const char *d = "{\"type\":\"prepare\",\"disk\":\"/dev/sdc\",\"dryRun\":true}";
  struct ow_job *j = ow_job_parse (d, strlen (d));
  char *t;

  assert_non_null (j);
  assert_string_equal (ow_job_type (j), "prepare");
  assert_string_equal (ow_job_disk (j), "/dev/sdc");
  assert_true (ow_job_dry_run (j));
  t = ow_job_to_text (j);
  assert_non_null (strstr (t, "\"dryRun\":true"));
  free (t);
  ow_job_free (j);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_job_documents),
    cmocka_unit_test (test_accessors),
  };
  int r = cmocka_run_group_tests (tests, NULL, NULL);
  ow_error_clear ();
  return r;
}
