/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Attached disks.  Appliance mode: whole block devices from sysfs (rescanned
 * on every call), minus virtual devices and any disk holding a mounted
 * filesystem (the CE's own boot disk).  Host mode: the --disk list.
 * Listing reads sysfs (or opens each --disk for its size) and nothing of
 * a disk's contents: inspections come from inspect-cache.c. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "offlinewin.h"

#define MAX_SYSFS_ATTR 4096
#define MAX_MOUNTINFO (1024 * 1024)
#define SECTOR 512

/* A sysfs attribute, whitespace-trimmed; NULL if absent or empty. */
static char *
attr (const char *dir, const char *name)
{
  char *path = NULL, *s;
  size_t n;
  if (asprintf (&path, "%s/%s", dir, name) == -1)
    return NULL;
  s = ce_read_file (path, MAX_SYSFS_ATTR, &n);
  free (path);
  if (!s)
    return NULL;
  while (n > 0 && isspace ((unsigned char) s[n - 1]))
    s[--n] = '\0';
  size_t lead = 0;
  while (s[lead] && isspace ((unsigned char) s[lead]))
    lead++;
  memmove (s, s + lead, n - lead + 1);
  if (!*s) {
    free (s);
    return NULL;
  }
  return s;
}

static bool
attr_u64 (const char *dir, const char *name, uint64_t *out)
{
  char *s = attr (dir, name), *end;
  bool ok = false;
  if (s) {
    errno = 0;
    unsigned long long v = strtoull (s, &end, 10);
    ok = errno == 0 && *end == '\0' && end != s;
    if (ok)
      *out = v;
  }
  free (s);
  return ok;
}

static void
set_str (json_t *o, const char *key, char *val)
{
  if (val)
    json_object_set_new (o, key, json_string (val));
  free (val);
}

/* "maj:min" of every mounted filesystem's device. */
static char *
mounted_devices (void)
{
  return ce_read_file ("/proc/self/mountinfo", MAX_MOUNTINFO, NULL);
}

/* Does disk NAME (or one of its partitions) back a mounted filesystem? */
static bool
disk_is_mounted (const char *sysdir, const char *mountinfo)
{
  char *dev = attr (sysdir, "dev");
  bool found = false;
  DIR *d = NULL;
  struct dirent *de;

  if (!mountinfo)
    goto out;
  /* mountinfo field 3 is "maj:min"; match " maj:min " exactly. */
  if (dev) {
    char *needle = NULL;
    if (asprintf (&needle, " %s ", dev) != -1 && strstr (mountinfo, needle))
      found = true;
    free (needle);
  }
  d = opendir (sysdir);
  while (!found && d && (de = readdir (d))) {
    char *pdir = NULL, *pdev;
    if (de->d_name[0] == '.' || asprintf (&pdir, "%s/%s", sysdir, de->d_name) == -1)
      continue;
    if ((pdev = attr (pdir, "dev")) && access (pdir, F_OK) == 0) {
      char *part = attr (pdir, "partition");
      char *needle = NULL;
      if (part && asprintf (&needle, " %s ", pdev) != -1 && strstr (mountinfo, needle))
        found = true;
      free (needle);
      free (part);
    }
    free (pdev);
    free (pdir);
  }
 out:
  if (d)
    closedir (d);
  free (dev);
  return found;
}

static json_t *
partitions (const char *sysdir)
{
  json_t *arr = json_array ();
  DIR *d = opendir (sysdir);
  struct dirent *de;

  while (d && (de = readdir (d))) {
    char *pdir = NULL;
    uint64_t num, start, size;
    if (de->d_name[0] == '.' || asprintf (&pdir, "%s/%s", sysdir, de->d_name) == -1)
      continue;
    if (attr_u64 (pdir, "partition", &num) && attr_u64 (pdir, "start", &start) &&
        attr_u64 (pdir, "size", &size) &&
        start <= UINT64_MAX / SECTOR && size <= UINT64_MAX / SECTOR)
      json_array_append_new (arr, json_pack ("{s:s, s:I, s:I, s:I}",
                                             "name", de->d_name,
                                             "number", (json_int_t) num,
                                             "start", (json_int_t) (start * SECTOR),
                                             "size", (json_int_t) (size * SECTOR)));
    free (pdir);
  }
  if (d)
    closedir (d);
  return arr;
}

/* H:C:T:L from the basename of the device link's target. */
static void
scsi_address (json_t *o, const char *sysdir)
{
  char *link = NULL, real[PATH_MAX];
  unsigned h, c, t, l;
  char tail;
  if (asprintf (&link, "%s/device", sysdir) == -1)
    return;
  if (realpath (link, real)) {
    const char *base = strrchr (real, '/');
    base = base ? base + 1 : real;
    if (sscanf (base, "%u:%u:%u:%u%c", &h, &c, &t, &l, &tail) == 4) {
      json_object_set_new (o, "scsiAddress", json_string (base));
      json_object_set_new (o, "lun", json_integer (l));
    }
  }
  free (link);
}

static json_t *
sysfs_disk (const char *root, const char *name, bool with_inspect)
{
  char *dir = NULL, *devdir = NULL, *path = NULL;
  json_t *o = NULL;
  uint64_t sectors, v;

  if (asprintf (&dir, "%s/block/%s", root, name) == -1 ||
      asprintf (&devdir, "%s/device", dir) == -1 ||
      asprintf (&path, "/dev/%s", name) == -1)
    goto out;
  o = json_object ();
  json_object_set_new (o, "name", json_string (name));
  json_object_set_new (o, "path", json_string (path));
  if (attr_u64 (dir, "size", &sectors) && sectors <= UINT64_MAX / SECTOR)
    json_object_set_new (o, "size", json_integer ((json_int_t) (sectors * SECTOR)));
  if (attr_u64 (dir, "queue/logical_block_size", &v))
    json_object_set_new (o, "logicalBlockSize", json_integer ((json_int_t) v));
  set_str (o, "vendor", attr (devdir, "vendor"));
  set_str (o, "model", attr (devdir, "model"));
  char *serial = attr (devdir, "serial");
  if (!serial)
    serial = attr (dir, "serial");
  set_str (o, "serial", serial);
  char *wwn = attr (dir, "wwid");
  if (!wwn)
    wwn = attr (devdir, "wwid");
  set_str (o, "wwn", wwn);
  scsi_address (o, dir);
  if (attr_u64 (dir, "nsid", &v))
    json_object_set_new (o, "nvmeNamespace", json_integer ((json_int_t) v));
  if (attr_u64 (dir, "ro", &v))
    json_object_set_new (o, "readOnly", json_boolean (v != 0));
  if (attr_u64 (dir, "removable", &v))
    json_object_set_new (o, "removable", json_boolean (v != 0));
  json_object_set_new (o, "partitions", partitions (dir));
  if (with_inspect)
    ce_disks_inspect_attach (o, path, json_integer_value (json_object_get (o, "size")));
 out:
  free (dir);
  free (devdir);
  free (path);
  return o;
}

static json_t *
list_sysfs (const char *root, bool with_inspect)
{
  json_t *arr = json_array ();
  char *blockdir = NULL, *mountinfo = mounted_devices ();
  DIR *d = NULL;
  struct dirent *de;
  size_t n = 0;

  if (asprintf (&blockdir, "%s/block", root) == -1)
    goto out;
  d = opendir (blockdir);
  if (!d) {
    ce_log (CE_LOG_WARN, "disks.scan", "cannot open %s: %s", blockdir, strerror (errno));
    goto out;
  }
  while ((de = readdir (d)) && n < CE_MAX_DISKS) {
    char *dir = NULL, *devlink = NULL;
    if (de->d_name[0] == '.')
      continue;
    if (asprintf (&dir, "%s/%s", blockdir, de->d_name) == -1)
      continue;
    /* Virtual devices (loop, ram, zram, dm, md) have no device link. */
    bool real = asprintf (&devlink, "%s/device", dir) != -1 && access (devlink, F_OK) == 0;
    bool skip = !real || disk_is_mounted (dir, mountinfo);
    if (real && skip)
      ce_log (CE_LOG_DEBUG, "disks.scan", "%s holds a mounted filesystem (boot disk): not listed",
              de->d_name);
    if (!skip) {
      json_t *o = sysfs_disk (root, de->d_name, with_inspect);
      if (o) {
        json_array_append_new (arr, o);
        n++;
      }
    }
    free (devlink);
    free (dir);
  }
 out:
  if (d)
    closedir (d);
  free (blockdir);
  free (mountinfo);
  return arr;
}

static json_t *
list_host (bool with_inspect)
{
  json_t *arr = json_array ();
  for (size_t i = 0; i < ce_agent.nhost_disks; i++) {
    const char *spec = ce_agent.host_disks[i];
    json_t *o = json_pack ("{s:s, s:s}", "name", spec, "path", spec);
    struct ow_disk *d = ow_disk_open (spec, OW_DISK_RDONLY);
    if (d) {
      json_object_set_new (o, "size", json_integer ((json_int_t) ow_disk_size (d)));
      json_object_set_new (o, "logicalBlockSize", json_integer (ow_disk_sector_size (d)));
      ow_disk_close (d);
    }
    else
      json_object_set_new (o, "error", json_pack ("{s:s, s:s}", "code", "openFailed",
                                                 "message", ow_error_message ()));
    json_object_set_new (o, "partitions", json_array ());
    if (with_inspect)
      ce_disks_inspect_attach (o, spec, json_integer_value (json_object_get (o, "size")));
    json_array_append_new (arr, o);
  }
  return arr;
}

json_t *
ce_disks_list (bool with_inspect)
{
  json_t *r;
  if (ce_agent.host_mode && (ce_agent.nhost_disks > 0 || !ce_agent.sysfs_root))
    r = list_host (with_inspect);
  else
    r = list_sysfs (ce_agent.sysfs_root ? ce_agent.sysfs_root : "/sys", with_inspect);
  /* Engine messages live in this (connection) thread's storage. */
  ow_error_clear ();
  return r;
}

static bool
field_eq (json_t *disk, const char *key, const char *want)
{
  const char *v = json_string_value (json_object_get (disk, key));
  return v && !strcasecmp (v, want);
}

char *
ce_disks_resolve (const char *ref, struct ce_error *err)
{
  json_t *list = ce_disks_list (false), *disk, *match = NULL;
  char real[PATH_MAX];
  const char *want_path = ref;
  size_t i, nmatch = 0;
  char *path = NULL;

  if (!ce_agent.host_mode && !strncmp (ref, "/dev/", 5) && realpath (ref, real))
    want_path = real;    /* /dev/disk/by-id/... links */
  json_array_foreach (list, i, disk) {
    bool m;
    if (!strncmp (ref, "serial:", 7))
      m = field_eq (disk, "serial", ref + 7);
    else if (!strncmp (ref, "wwn:", 4))
      m = field_eq (disk, "wwn", ref + 4);
    else if (!strncmp (ref, "scsi:", 5))
      m = field_eq (disk, "scsiAddress", ref + 5);
    else if (!strncmp (ref, "lun:", 4)) {
      char *end;
      errno = 0;
      long lun = strtol (ref + 4, &end, 10);
      json_t *l = json_object_get (disk, "lun");
      m = errno == 0 && *end == '\0' && end != ref + 4 && l &&
          json_integer_value (l) == lun;
    }
    else
      m = field_eq (disk, "path", want_path);
    if (m) {
      match = disk;
      nmatch++;
    }
  }
  if (nmatch == 1)
    path = strdup (json_string_value (json_object_get (match, "path")));
  else if (nmatch > 1)
    ce_error_set (err, CE_E_INVALID, "ambiguousDisk",
                  "disk '%s' matches %zu disks; name it by path or serial", ref, nmatch);
  else
    ce_error_set (err, CE_E_NOT_FOUND, "diskNotFound",
                  "no attached disk matches '%s'", ref);
  json_decref (list);
  return path;
}
