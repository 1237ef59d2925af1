/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Our own boot disk must not be offered as a disk to work on: mount its EFI
 * system partition read-only, and ce-agent leaves out every disk that backs
 * a mounted filesystem.  The partition is found by its GPT name
 * (PARTNAME in the partition's uevent), which imagebuild/mkdisk sets. */
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

#define MAX_UEVENT 4096
#define BOOTDISK_WAIT_SECONDS 3   /* storage drivers probe asynchronously */

/* The block device name whose uevent has PARTNAME=INIT_BOOT_PARTNAME. */
static char *
find_boot_partition (void)
{
  DIR *d = opendir ("/sys/class/block");
  struct dirent *de;
  char *found = NULL;

  if (!d)
    return NULL;
  while (!found && (de = readdir (d))) {
    char *path = NULL, buf[MAX_UEVENT];
    size_t n;
    FILE *f;

    if (de->d_name[0] == '.' || asprintf (&path, "/sys/class/block/%s/uevent", de->d_name) == -1)
      continue;
    f = fopen (path, "re");
    free (path);
    if (!f)
      continue;
    n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[n] = '\0';
    if (strstr (buf, "\nPARTNAME=" INIT_BOOT_PARTNAME "\n"))
      found = strdup (de->d_name);
  }
  closedir (d);
  return found;
}

void
init_mount_boot (void)
{
  double deadline = init_mono () + BOOTDISK_WAIT_SECONDS;
  char *name, *dev = NULL;

  while (!(name = find_boot_partition ()) && init_mono () < deadline) {
    struct timespec ts = { 0, 50000000L };
    nanosleep (&ts, NULL);
  }
  if (!name) {
    init_log ("bootdisk: no partition named %s (booted without our disk?)", INIT_BOOT_PARTNAME);
    return;
  }
  if (asprintf (&dev, "/dev/%s", name) != -1) {
    mkdir (INIT_BOOT_MOUNT, 0755);
    if (mount (dev, INIT_BOOT_MOUNT, "vfat", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
               "iocharset=utf8") == -1)
      init_log ("bootdisk: mount %s: %s", dev, strerror (errno));
    else
      init_log ("bootdisk: %s mounted read-only on %s (hidden from the agent)", dev,
                INIT_BOOT_MOUNT);
  }
  free (dev);
  free (name);
}
