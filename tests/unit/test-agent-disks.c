/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GET /v1/disks from sysfs: a fake /sys tree with a SCSI disk (partitions,
 * serial, wwid, H:C:T:L), an NVMe namespace and a loop device; the listing
 * has the real devices only, with their attributes, and job disk references
 * (serial:, wwn:, lun:, scsi:, path) resolve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"

struct ce_agent ce_agent;
void ce_agent_request_exit (const char *reason) { (void) reason; }

static char root[] = "/tmp/ce-unit-sysfs.XXXXXX";

static void
put (const char *rel, const char *content)
{
  char *path = NULL, *dir;
  assert_true (asprintf (&path, "%s/%s", root, rel) > 0);
  dir = strdup (path);
  for (char *p = dir + strlen (root) + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir (dir, 0755);
      *p = '/';
    }
  FILE *f = fopen (path, "w");
  assert_non_null (f);
  fputs (content, f);
  fclose (f);
  free (dir);
  free (path);
}

static void
link_to (const char *rel, const char *target)
{
  char *path = NULL;
  assert_true (asprintf (&path, "%s/%s", root, rel) > 0);
  assert_int_equal (symlink (target, path), 0);
  free (path);
}

static int
setup (void **state)
{
  (void) state;
  assert_non_null (mkdtemp (root));
  put ("devices/pci0/host0/target0:0:1/0:0:1:2/model", "Virtual Disk    \n");
  put ("devices/pci0/host0/target0:0:1/0:0:1:2/vendor", "Msft    \n");
  put ("devices/pci0/host0/target0:0:1/0:0:1:2/serial", "SER-123\n");
  put ("block/sdb/size", "2097152\n");
  put ("block/sdb/dev", "240:16\n");
  put ("block/sdb/wwid", "naa.600224800000\n");
  put ("block/sdb/ro", "0\n");
  put ("block/sdb/queue/logical_block_size", "512\n");
  put ("block/sdb/sdb1/partition", "1\n");
  put ("block/sdb/sdb1/start", "2048\n");
  put ("block/sdb/sdb1/size", "1000000\n");
  put ("block/sdb/sdb1/dev", "240:17\n");
  link_to ("block/sdb/device", "../../devices/pci0/host0/target0:0:1/0:0:1:2");
  put ("devices/nvme/nvme0/serial", "NVME-9\n");
  put ("block/nvme0n1/size", "4096\n");
  put ("block/nvme0n1/dev", "241:0\n");
  put ("block/nvme0n1/nsid", "1\n");
  link_to ("block/nvme0n1/device", "../../devices/nvme/nvme0");
  put ("block/loop0/size", "100\n");
  put ("block/loop0/dev", "242:0\n");
  ce_agent.sysfs_root = root;
  ce_agent.host_mode = false;
  return 0;
}

static int
teardown (void **state)
{
  char *cmd = NULL;
  (void) state;
  if (asprintf (&cmd, "rm -rf '%s'", root) > 0 && system (cmd) != 0)
    fprintf (stderr, "cleanup of %s failed\n", root);
  free (cmd);
  return 0;
}

static json_t *
find (json_t *list, const char *name)
{
  size_t i;
  json_t *d;
  json_array_foreach (list, i, d)
    if (!strcmp (json_string_value (json_object_get (d, "name")), name))
      return d;
  return NULL;
}

static void
test_list (void **state)
{
  (void) state;
  json_t *list = ce_disks_list (false);
  assert_int_equal (json_array_size (list), 2);
  assert_null (find (list, "loop0"));
  json_t *sdb = find (list, "sdb"), *nv = find (list, "nvme0n1");
  assert_non_null (sdb);
  assert_non_null (nv);
  assert_string_equal (json_string_value (json_object_get (sdb, "path")), "/dev/sdb");
  assert_int_equal (json_integer_value (json_object_get (sdb, "size")), 2097152LL * 512);
  assert_string_equal (json_string_value (json_object_get (sdb, "model")), "Virtual Disk");
  assert_string_equal (json_string_value (json_object_get (sdb, "serial")), "SER-123");
  assert_string_equal (json_string_value (json_object_get (sdb, "wwn")), "naa.600224800000");
  assert_string_equal (json_string_value (json_object_get (sdb, "scsiAddress")), "0:0:1:2");
  assert_int_equal (json_integer_value (json_object_get (sdb, "lun")), 2);
  json_t *parts = json_object_get (sdb, "partitions");
  assert_int_equal (json_array_size (parts), 1);
  assert_int_equal (json_integer_value (json_object_get (json_array_get (parts, 0), "start")), 2048 * 512);
  assert_int_equal (json_integer_value (json_object_get (nv, "nvmeNamespace")), 1);
  assert_string_equal (json_string_value (json_object_get (nv, "serial")), "NVME-9");
  json_decref (list);
}

static void
test_resolve (void **state)
{
  static const char *const refs[][2] = {
    { "serial:SER-123", "/dev/sdb" }, { "wwn:naa.600224800000", "/dev/sdb" },
    { "lun:2", "/dev/sdb" }, { "scsi:0:0:1:2", "/dev/sdb" },
    { "/dev/nvme0n1", "/dev/nvme0n1" }, { "serial:NVME-9", "/dev/nvme0n1" },
  };
  (void) state;
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
    struct ce_error err = { 0 };
    char *p = ce_disks_resolve (refs[i][0], &err);
    if (!p)
      fail_msg ("%s: %s", refs[i][0], err.message);
    assert_string_equal (p, refs[i][1]);
    free (p);
  }
  static const char *const missing[] = { "serial:NOPE", "lun:7", "/dev/loop0", "lun:x", "/dev/sda" };
  for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
    struct ce_error err = { 0 };
    assert_null (ce_disks_resolve (missing[i], &err));
    assert_int_equal (err.kind, CE_E_NOT_FOUND);
    ce_error_clear (&err);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_list),
    cmocka_unit_test (test_resolve),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
