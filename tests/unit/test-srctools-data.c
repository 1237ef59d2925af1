/* SPDX-License-Identifier: GPL-3.0-or-later */
/* source-tools.json: the embedded file parses and names every product
 * the issue lists, the cloud targets each have boot storage, and a table
 * of malformed documents is refused with a message naming the problem. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "offlinewin.h"

#define ARRAY_SIZE(a) (sizeof (a) / sizeof (a)[0])

/* Entry points of win/srctools.c (win/win.h). */
json_t *ow_srctools_parse (const char *data, size_t len);
json_t *ow_srctools_load (void);

static void
test_embedded (void **state)
{
  static const char *const ids[] = {
    "vmware-tools", "citrix-vm-tools", "nutanix-guest-tools", "nutanix-virtio",
    "parallels-tools", "virtualbox-additions", "qemu-guest-agent", "virtio-win-guest-tools",
  };
  static const char *const clouds[] = { "azure", "aws", "gcp" };
  json_t *t = ow_srctools_load (), *p;
  size_t i;

  (void) state;
  if (t == NULL)
    fail_msg ("embedded source-tools.json: %s", ow_error_message ());
  assert_int_equal (json_array_size (json_object_get (t, "products")), ARRAY_SIZE (ids));
  json_array_foreach (json_object_get (t, "products"), i, p)
    assert_string_equal (json_string_value (json_object_get (p, "id")), ids[i]);
  for (i = 0; i < ARRAY_SIZE (clouds); i++)
    assert_true (json_array_size (json_object_get (json_object_get (
        json_object_get (t, "targets"), clouds[i]), "bootStorage")) > 0);
  json_decref (t);
}

/* A minimal valid document; each bad case below edits one part. */
#define PRODUCT(extra) \
  "{\"id\":\"x\",\"title\":\"X\",\"hypervisor\":\"h\",\"keepOn\":[]," \
  "\"displayNameContains\":[\"X Tools\"],\"markerServices\":[],\"services\":[\"xs\"]," \
  "\"bootDrivers\":[],\"filters\":[],\"source\":[\"s\"],\"verified\":false," \
  "\"uninstall\":{\"method\":\"msi\"}" extra "}"
#define DOC(products, targets) \
  "{\"schema\":1,\"sources\":{\"s\":{}},\"classes\":{\"{c}\":\"C\"}," \
  "\"targets\":" targets ",\"products\":[" products "]}"
#define TARGET "{\"azure\":{\"bootStorage\":[\"storvsc\"],\"why\":\"w\",\"source\":\"s\"}}"

static void
test_good_minimal (void **state)
{
  const char *doc = DOC (PRODUCT (""), TARGET);
  json_t *t = ow_srctools_parse (doc, strlen (doc));

  (void) state;
  if (t == NULL)
    fail_msg ("minimal document refused: %s", ow_error_message ());
  json_decref (t);
}

static const struct { const char *doc, *message; } bad[] = {
  { "not json", "source-tools.json: line 1" },
  { "{\"schema\":2}", "needs schema 1" },
  { DOC ("{\"id\":\"x\"}", TARGET), "product 0 needs id" },
  { DOC (PRODUCT (",\"uninstall\":{\"method\":\"rm -rf\"}"), TARGET), "product 0 needs" },
  { DOC (PRODUCT (",\"source\":[\"nowhere\"]"), TARGET), "cites an unknown source" },
  { DOC (PRODUCT (",\"displayNameContains\":[]"), TARGET), "product 0 needs" },
  { DOC (PRODUCT (",\"bootDrivers\":[\"other\"]"), TARGET), "boot driver other is not in its services" },
  { DOC (PRODUCT (",\"filters\":[{\"service\":\"xs\",\"class\":\"{unknown}\"}]"), TARGET),
    "filter 0 needs a service and a class listed" },
  { DOC (PRODUCT (""), "{\"azure\":{\"bootStorage\":[],\"why\":\"w\",\"source\":\"s\"}}"),
    "target azure needs bootStorage" },
  { DOC (PRODUCT (""), "{\"gcp\":{\"bootStorage\":[\"v\"],\"why\":\"w\",\"source\":\"zz\"}}"),
    "target gcp needs" },
};

static void
test_bad_documents (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++) {
    json_t *t = ow_srctools_parse (bad[i].doc, strlen (bad[i].doc));
    if (t != NULL)
      fail_msg ("case %zu accepted: %s", i, bad[i].doc);
    if (strstr (ow_error_message (), bad[i].message) == NULL)
      fail_msg ("case %zu: message '%s' lacks '%s'", i, ow_error_message (), bad[i].message);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_embedded),
    cmocka_unit_test (test_good_minimal),
    cmocka_unit_test (test_bad_documents),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
