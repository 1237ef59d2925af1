/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where exports may write on the agent's own file system.  A job names its
 * destination; the agent writes it as root.  So a local destination must
 * lie beneath an export root the operator chose (none by default: local
 * destinations are then refused), and every destination directory, local
 * or on a mounted SMB share, is opened beneath its root with openat2 so no
 * symlink (a hostile SMB server can serve them) steers the image out. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"

int
ce_export_root_init (const char *dir, char **errmsg)
{
  char *real;
  struct stat st;

  free (ce_agent.export_root);
  ce_agent.export_root = NULL;
  if (!dir)
    return 0;
  real = realpath (dir, NULL);
  if (!real || stat (real, &st) == -1 || !S_ISDIR (st.st_mode)) {
    if (asprintf (errmsg, "export root %s: %s", dir,
                  real ? "not a directory" : strerror (errno)) == -1)
      *errmsg = NULL;
    free (real);
    return -1;
  }
  ce_agent.export_root = real;
  return 0;
}

/* No "." or ".." component, no empty one but a trailing '/'. */
static bool
plain_path (const char *p)
{
  for (const char *c = p; *c; ) {
    const char *e = strchr (c, '/');
    size_t n = e ? (size_t) (e - c) : strlen (c);
    if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return false;
    if (n == 0 && e && e[1] != '\0')
      return false;
    c += n + (e ? 1 : 0);
  }
  return true;
}

int
ce_export_root_check (const char *location, struct ce_error *err)
{
  const char *root = ce_agent.export_root;
  size_t n;

  if (!root)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "$.outputStorageLocation.location: this agent has no export root, "
                         "so it writes no local directory (%s mode: %s); use an "
                         "smb://host/share/dir/ location",
                         ce_agent.host_mode ? "host" : "appliance",
                         ce_agent.host_mode ? "start it with --export-root DIR"
                         : "set \"exportRoot\" in the boot config");
  n = strlen (root);
  if (location[0] != '/' || !plain_path (location + 1) ||
      (strcmp (root, "/") && (strncmp (location, root, n) ||
                              (location[n] != '/' && location[n] != '\0'))))
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "$.outputStorageLocation.location: '%s' is not a directory "
                         "beneath the export root %s", location, root);
  return 0;
}

int
ce_open_beneath (int rootfd, const char *dir)
{
  struct open_how how = {
    .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  while (*dir == '/')
    dir++;
  return (int) syscall (SYS_openat2, rootfd, *dir ? dir : ".", &how, sizeof how);
}
