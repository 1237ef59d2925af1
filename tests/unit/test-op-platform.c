/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The data files of the prepare operations: the embedded
 * platforms.json and components.json parse and pass their checks (so a
 * broken data file fails the build's tests), and a table of malformed
 * documents is refused with a message naming the problem. */
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

/* Entry points of op-platform.c / op-components.c (not in prepare.h). */
json_t *ow_platforms_parse (const char *data, size_t len);
json_t *ow_platforms_load (void);
json_t *ow_components_parse (const char *data, size_t len);
json_t *ow_components_load (void);

static void
test_embedded_platforms (void **state)
{
  json_t *t = ow_platforms_load ();
  static const char *const names[] = { "azure", "aws", "gcp", "vsphere", "nutanix", "xenserver" };

  (void) state;
  if (t == NULL)
    fail_msg ("embedded platforms.json: %s", ow_error_message ());
  for (size_t i = 0; i < ARRAY_SIZE (names); i++)
    assert_non_null (json_object_get (json_object_get (t, "platforms"), names[i]));
  json_decref (t);
}

static void
test_embedded_components (void **state)
{
  json_t *t = ow_components_load ();

  (void) state;
  if (t == NULL)
    fail_msg ("embedded components.json: %s", ow_error_message ());
  assert_int_equal (json_array_size (json_object_get (t, "components")), 2);
  json_decref (t);
}

/* A minimal valid platforms document; each bad case below edits it. */
#define SET(extra) "{\"hive\":\"SYSTEM\",\"key\":\"{CS}\\\\Control\",\"value\":\"X\"," \
                   "\"type\":\"REG_DWORD\",\"data\":1,\"why\":\"w\",\"source\":\"s\"" extra "}"
#define PLAT(n) "\"" n "\":{\"title\":\"t\",\"use\":[\"a\"]}"
#define DOC(setting, firewall) \
  "{\"schema\":1,\"sources\":{\"s\":\"x\"}," \
  "\"rdp\":{\"settings\":[" setting "],\"firewall\":" firewall "}," \
  "\"sets\":{\"a\":{\"title\":\"t\",\"settings\":[]}}," \
  "\"platforms\":{" PLAT ("azure") "," PLAT ("aws") "," PLAT ("gcp") "," \
  PLAT ("vsphere") "," PLAT ("nutanix") "," PLAT ("xenserver") "}}"
#define BCDSET(o, e, v) "{\"object\":\"" o "\",\"element\":\"" e "\",\"value\":" v \
                        ",\"why\":\"w\",\"source\":\"s\"}"
#define FW "{\"key\":\"k\",\"groups\":[\"g\"],\"rules\":[],\"why\":\"w\",\"source\":\"s\"}"
/* The same document with one driver on azure: DRV (EXTRA) edits it. */
#define DRV(extra) \
  "{\"schema\":1,\"sources\":{\"s\":\"x\"}," \
  "\"rdp\":{\"settings\":[],\"firewall\":" FW "}," \
  "\"sets\":{\"a\":{\"title\":\"t\",\"settings\":[]}}," \
  "\"platforms\":{\"azure\":{\"title\":\"t\",\"use\":[\"a\"],\"drivers\":[{" \
  "\"service\":\"stornvme\",\"what\":\"w\",\"source\":\"s\"" extra "}]}," PLAT ("aws") "," \
  PLAT ("gcp") "," PLAT ("vsphere") "," PLAT ("nutanix") "," PLAT ("xenserver") "}}"
#define DRV_OK ",\"role\":\"bootStorage\",\"hardwareIds\":[\"PCI\\\\CC_010802\"]," \
               "\"hardwareIdsSource\":\"s\""
#define REG(extra) ",\"registry\":[{\"key\":\"Parameters\",\"value\":\"IoTimeoutValue\"," \
                   "\"type\":\"REG_DWORD\",\"why\":\"w\",\"source\":\"s\"" extra "}]"

static const struct {
  const char *what, *doc, *message;   /* message: NULL = must parse */
} platform_docs[] = {
  { "minimal valid", DOC (SET (""), FW), NULL },
  { "not JSON", "{\"schema\":1,", "platforms.json: line" },
  { "wrong schema", "{\"schema\":2}", "needs schema 1" },
  { "unknown field in a setting", DOC (SET (",\"onlyIfKeyExist\":true"), FW),
    "unknown field \"onlyIfKeyExist\"" },
  { "bad hive", DOC ("{\"hive\":\"SAM\",\"key\":\"k\",\"why\":\"w\",\"source\":\"s\"}", FW),
    "\"hive\" must be SYSTEM or SOFTWARE" },
  { "source not listed", DOC ("{\"hive\":\"SYSTEM\",\"key\":\"k\",\"value\":\"v\",\"type\":\"REG_DWORD\","
                              "\"data\":1,\"why\":\"w\",\"source\":\"nowhere\"}", FW),
    "a \"source\" listed in \"sources\"" },
  { "dword data is a string", DOC ("{\"hive\":\"SYSTEM\",\"key\":\"k\",\"value\":\"v\",\"type\":\"REG_DWORD\","
                                   "\"data\":\"1\",\"why\":\"w\",\"source\":\"s\"}", FW),
    "\"data\" of that type" },
  { "dword out of range", DOC ("{\"hive\":\"SYSTEM\",\"key\":\"k\",\"value\":\"v\",\"type\":\"REG_DWORD\","
                               "\"data\":4294967296,\"why\":\"w\",\"source\":\"s\"}", FW),
    "\"data\" of that type" },
  { "unknown type", DOC ("{\"hive\":\"SYSTEM\",\"key\":\"k\",\"value\":\"v\",\"type\":\"REG_QWORD\","
                         "\"data\":1,\"why\":\"w\",\"source\":\"s\"}", FW),
    "\"data\" of that type" },
  { "no why", DOC ("{\"hive\":\"SYSTEM\",\"key\":\"k\",\"value\":\"v\",\"type\":\"REG_DWORD\","
                   "\"data\":1,\"source\":\"s\"}", FW), "needs \"key\", \"why\"" },
  { "unknown action", DOC ("{\"hive\":\"SYSTEM\",\"key\":\"k\",\"action\":\"wipe\",\"why\":\"w\","
                           "\"source\":\"s\"}", FW), "unknown action \"wipe\"" },
  { "firewall without groups", DOC (SET (""), "{\"key\":\"k\",\"groups\":[],\"rules\":[],"
                                    "\"why\":\"w\",\"source\":\"s\"}"), "rdp.firewall needs" },
  { "firewall rule without data", DOC (SET (""), "{\"key\":\"k\",\"groups\":[\"g\"],\"rules\":"
                                       "[{\"name\":\"n\",\"why\":\"w\",\"source\":\"s\"}],"
                                       "\"why\":\"w\",\"source\":\"s\"}"), "rule 0 needs" },
  { "a platform is missing",
    "{\"schema\":1,\"sources\":{\"s\":\"x\"},\"rdp\":{\"settings\":[],\"firewall\":" FW "},"
    "\"sets\":{},\"platforms\":{}}", "platform azure is missing" },
  { "driver with everything", DRV (DRV_OK ",\"inbox\":\"stornvme\",\"inboxSource\":\"s\","
                                    "\"variant\":\"nvme\",\"when\":\"NVMe sizes\"" REG (",\"data\":240")),
    NULL },
  { "driver with a VMBus ID", DRV (",\"role\":\"network\",\"hardwareIdsSource\":\"s\","
                                   "\"hardwareIds\":[\"VMBUS\\\\{f8615163-df3e-46c5-913f-f2d2f965ed0e}\"]"),
    NULL },
  { "driver without a role", DRV (",\"hardwareIds\":[\"PCI\\\\CC_010802\"],\"hardwareIdsSource\":\"s\""),
    "driver 0: \"role\" must be bootStorage, network or other" },
  { "driver with an unknown role", DRV (",\"role\":\"boot\",\"hardwareIds\":[\"PCI\\\\CC_010802\"],"
                                        "\"hardwareIdsSource\":\"s\""),
    "\"role\" must be bootStorage" },
  { "driver without hardware IDs", DRV (",\"role\":\"network\",\"hardwareIds\":[],\"hardwareIdsSource\":\"s\""),
    "needs \"hardwareIds\" (non-empty)" },
  { "hardware IDs without a source", DRV (",\"role\":\"network\",\"hardwareIds\":[\"PCI\\\\CC_010802\"]"),
    "a \"hardwareIdsSource\" listed in \"sources\"" },
  { "hardware ID on an unknown bus", DRV (",\"role\":\"network\",\"hardwareIds\":[\"USB\\\\VID_1234\"],"
                                          "\"hardwareIdsSource\":\"s\""),
    "hardware ID 0 is not one upper-case" },
  { "hardware ID in lower case", DRV (",\"role\":\"network\",\"hardwareIds\":[\"PCI\\\\ven_1af4&dev_1000\"],"
                                      "\"hardwareIdsSource\":\"s\""),
    "hardware ID 0 is not one upper-case" },
  { "two hardware IDs in one string", DRV (",\"role\":\"network\",\"hardwareIdsSource\":\"s\","
                                           "\"hardwareIds\":[\"PCI\\\\VEN_1AF4&DEV_1000, PCI\\\\VEN_1AF4\"]"),
    "hardware ID 0 is not one upper-case" },
  { "inbox without a source", DRV (DRV_OK ",\"inbox\":\"stornvme\""), "\"inbox\" needs an \"inboxSource\"" },
  { "variant without when", DRV (DRV_OK ",\"variant\":\"nvme\""), "\"variant\" and \"when\" go together" },
  { "registry data of the wrong type", DRV (DRV_OK REG (",\"data\":\"240\"")), "registry 0 needs" },
  { "registry key from the root", DRV (DRV_OK ",\"registry\":[{\"key\":\"\\\\Parameters\",\"value\":\"v\","
                                           "\"type\":\"REG_DWORD\",\"data\":1,\"why\":\"w\",\"source\":\"s\"}]"),
    "registry 0 needs \"key\" (below the service key)" },
  { "unknown field in a driver", DRV (DRV_OK ",\"hwids\":[]"), "driver 0: unknown field \"hwids\"" },
  { "bcd: unknown element",
    "{\"schema\":1,\"sources\":{\"s\":\"x\"},\"rdp\":{\"settings\":[],\"firewall\":" FW "},"
    "\"sets\":{\"a\":{\"title\":\"t\",\"settings\":[]}},\"bcdSerialOff\":{\"settings\":["
    BCDSET ("{default}", "emz", "false") "]},\"platforms\":{}}", "\"emz\" is not known for {default}" },
  { "bcd: boolean element given a number",
    "{\"schema\":1,\"sources\":{\"s\":\"x\"},\"rdp\":{\"settings\":[],\"firewall\":" FW "},"
    "\"sets\":{\"a\":{\"title\":\"t\",\"settings\":[]}},\"bcdSerialOff\":{\"settings\":["
    BCDSET ("{default}", "ems", "1") "]},\"platforms\":{}}", "cannot set it to this value" },
  { "bcd: unknown value name",
    "{\"schema\":1,\"sources\":{\"s\":\"x\"},\"rdp\":{\"settings\":[],\"firewall\":" FW "},"
    "\"sets\":{\"a\":{\"title\":\"t\",\"settings\":[]}},\"bcdSerialOn\":{\"settings\":["
    BCDSET ("{default}", "bootstatuspolicy", "\"IgnoreSome\"") "]},\"platforms\":{}}",
    "no value named \"IgnoreSome\"" },
  { "bcd: bootmgr element on the loader",
    "{\"schema\":1,\"sources\":{\"s\":\"x\"},\"rdp\":{\"settings\":[],\"firewall\":" FW "},"
    "\"sets\":{\"a\":{\"title\":\"t\",\"settings\":[]}},\"bcdSerialOn\":{\"settings\":["
    BCDSET ("{default}", "displaybootmenu", "true") "]},\"platforms\":{}}",
    "\"displaybootmenu\" is not known for {default}" },
  { "platform uses an unknown set",
    "{\"schema\":1,\"sources\":{\"s\":\"x\"},\"rdp\":{\"settings\":[],\"firewall\":" FW "},"
    "\"sets\":{},\"platforms\":{" PLAT ("azure") "}}", "uses an unknown set" },
};

static void
test_platform_docs (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (platform_docs); i++) {
    json_t *t = ow_platforms_parse (platform_docs[i].doc, strlen (platform_docs[i].doc));

    print_message ("platforms.json: %s\n", platform_docs[i].what);
    if (platform_docs[i].message == NULL) {
      if (t == NULL)
        fail_msg ("%s: %s", platform_docs[i].what, ow_error_message ());
      json_decref (t);
      continue;
    }
    assert_null (t);
    assert_int_equal (ow_error_class (), OW_ERR_INVALID);
    if (strstr (ow_error_message (), platform_docs[i].message) == NULL)
      fail_msg ("%s: message '%s' lacks '%s'", platform_docs[i].what, ow_error_message (),
                platform_docs[i].message);
    ow_error_clear ();
  }
}

#define COMP(extra) "{\"schema\":1,\"components\":[{\"id\":\"pvs\",\"step\":\"pvs\"," \
  "\"jobField\":\"installPvs\",\"title\":\"t\",\"requiresProvisioningType\":\"Pvs\"," \
  "\"versions\":[\"7.31.0\"],\"detect\":{\"uninstallDisplayNames\":[\"x*\"],\"services\":[]," \
  "\"source\":\"s\"},\"artifact\":\"pvs-{version}\",\"source\":\"s\"" extra "}]}"

static const struct {
  const char *what, *doc, *message;
} component_docs[] = {
  { "minimal valid", COMP (",\"installerFile\":\"a.exe\",\"commandLine\":\"{installer} /s\""), NULL },
  { "installer file with a path", COMP (",\"installerFile\":\"..\\\\a.exe\",\"commandLine\":\"{installer}\""),
    "installerFile must be a plain file name" },
  { "command line without {installer}", COMP (",\"installerFile\":\"a.exe\",\"commandLine\":\"a.exe\""),
    "must contain {installer}" },
  { "missing installerFile", COMP (",\"commandLine\":\"{installer}\""),
    "\"installerFile\" must be a non-empty string" },
  { "unknown field", COMP (",\"installerFile\":\"a.exe\",\"commandLine\":\"{installer}\",\"url\":\"x\""),
    "unknown field \"url\"" },
  { "no components", "{\"schema\":1}", "a \"components\" array" },
};

static void
test_component_docs (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (component_docs); i++) {
    json_t *t = ow_components_parse (component_docs[i].doc, strlen (component_docs[i].doc));

    print_message ("components.json: %s\n", component_docs[i].what);
    if (component_docs[i].message == NULL) {
      if (t == NULL)
        fail_msg ("%s: %s", component_docs[i].what, ow_error_message ());
      json_decref (t);
      continue;
    }
    assert_null (t);
    if (strstr (ow_error_message (), component_docs[i].message) == NULL)
      fail_msg ("%s: message '%s' lacks '%s'", component_docs[i].what, ow_error_message (),
                component_docs[i].message);
    ow_error_clear ();
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_embedded_platforms),
    cmocka_unit_test (test_embedded_components),
    cmocka_unit_test (test_platform_docs),
    cmocka_unit_test (test_component_docs),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
