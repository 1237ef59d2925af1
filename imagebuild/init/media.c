/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Platform configuration media, mounted read-only where ce-agent's readers
 * look (agent/config/platform-common.c):
 *   Azure   the provisioning DVD (UDF) holding ovf-env.xml -> /run/ce/media
 *   Nutanix a config drive (ISO9660 or FAT, label config-2) holding
 *           openstack/latest/ -> /run/ce/config-2
 * A medium is recognised by what it holds, not by its label alone: each
 * candidate is mounted on a probe directory, looked at, then moved to its
 * place or unmounted.  Only optical drives and small whole disks are
 * candidates (small disks only on Azure and Nutanix), so the Windows disk
 * is never mounted.  On the two platforms
 * that use a medium, the optical drive is waited for: libata and storvsc
 * probe asynchronously and may finish after /init starts. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define MEDIA_WAIT_SECONDS 5
/* Config drives are 64 MiB at most (OpenStack makes them 64 MiB). */
#define MAX_MEDIUM_SECTORS (64u * 2048u)
#define MAX_SYSFS_VALUE    256
#define MEDIA_FLAGS        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static const char *const fs_types[] = { "udf", "iso9660", "vfat" };

/* First line of a small sysfs file (malloc'd), or NULL. */
static char *
read_sysfs (const char *fmt, const char *name)
{
  char *path = NULL, buf[MAX_SYSFS_VALUE];
  FILE *f;
  size_t n;

  if (asprintf (&path, fmt, name) == -1)
    return NULL;
  f = fopen (path, "re");
  free (path);
  if (!f)
    return NULL;
  n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  return strdup (buf);
}

/* The platforms whose configuration comes on a medium, from DMI. */
static bool
platform_uses_medium (void)
{
  char *vendor = read_sysfs ("/sys/class/dmi/id/%s", "sys_vendor");
  bool r = vendor && (strstr (vendor, "Microsoft") || strstr (vendor, "Nutanix"));

  free (vendor);
  return r;
}

static bool
is_optical (const char *name)
{
  return !strncmp (name, "sr", 2);
}

/* Optical drives, and on the medium platforms whole disks small enough to
 * be a config drive. */
static bool
is_candidate (const char *name, bool small_disks)
{
  char *part, *size;
  bool r;

  if (name[0] == '.' || !strncmp (name, "loop", 4) || !strncmp (name, "ram", 3))
    return false;
  if (is_optical (name))
    return true;
  if (!small_disks)
    return false;
  part = read_sysfs ("/sys/class/block/%s/partition", name);
  if (part) {                       /* a partition: never */
    free (part);
    return false;
  }
  size = read_sysfs ("/sys/class/block/%s/size", name);
  r = size && strtoull (size, NULL, 10) > 0 && strtoull (size, NULL, 10) <= MAX_MEDIUM_SECTORS;
  free (size);
  return r;
}

static bool
any_optical (void)
{
  DIR *d = opendir ("/sys/class/block");
  struct dirent *de;
  bool r = false;

  if (!d)
    return false;
  while (!r && (de = readdir (d)))
    r = is_optical (de->d_name);
  closedir (d);
  return r;
}

static bool
has (const char *dir, const char *name)
{
  char *path = NULL;
  bool r;

  if (asprintf (&path, "%s/%s", dir, name) == -1)
    return false;
  r = access (path, F_OK) == 0;
  free (path);
  return r;
}

/* Mount /dev/NAME on the probe directory and move it where it belongs. */
static void
probe (const char *name)
{
  char *dev = NULL;
  const char *type = NULL, *target = NULL;

  if (asprintf (&dev, "/dev/%s", name) == -1)
    return;
  for (size_t i = 0; !type && i < sizeof fs_types / sizeof fs_types[0]; i++)
    if (mount (dev, INIT_MEDIA_PROBE, fs_types[i], MEDIA_FLAGS, NULL) == 0)
      type = fs_types[i];
  if (!type) {                      /* empty drive, or not a filesystem */
    free (dev);
    return;
  }
  if (has (INIT_MEDIA_PROBE, "ovf-env.xml") && access (INIT_AZURE_MEDIA "/ovf-env.xml", F_OK) != 0)
    target = INIT_AZURE_MEDIA;
  else if (has (INIT_MEDIA_PROBE, "openstack/latest")
           && access (INIT_CONFIG_DRIVE "/openstack", F_OK) != 0)
    target = INIT_CONFIG_DRIVE;
  if (target && mount (INIT_MEDIA_PROBE, target, NULL, MS_MOVE, NULL) == 0)
    init_log ("media: %s (%s) mounted read-only on %s", dev, type, target);
  else {
    if (target)
      init_log ("media: cannot move %s to %s: %s", dev, target, strerror (errno));
    if (umount (INIT_MEDIA_PROBE) == -1)
      init_log ("media: umount %s: %s", INIT_MEDIA_PROBE, strerror (errno));
  }
  free (dev);
}

void
init_mount_media (void)
{
  DIR *d;
  struct dirent *de;
  bool medium_platform = platform_uses_medium ();

  if (medium_platform) {
    double deadline = init_mono () + MEDIA_WAIT_SECONDS;
    while (!any_optical () && init_mono () < deadline) {
      struct timespec ts = { 0, 50000000L };
      nanosleep (&ts, NULL);
    }
  }
  if (mkdir (INIT_MEDIA_PROBE, 0700) == -1 && errno != EEXIST) {
    init_log ("media: mkdir %s: %s", INIT_MEDIA_PROBE, strerror (errno));
    return;
  }
  mkdir (INIT_AZURE_MEDIA, 0755);
  mkdir (INIT_CONFIG_DRIVE, 0755);
  d = opendir ("/sys/class/block");
  if (!d)
    return;
  while ((de = readdir (d)))
    if (is_candidate (de->d_name, medium_platform))
      probe (de->d_name);
  closedir (d);
  rmdir (INIT_MEDIA_PROBE);
}
