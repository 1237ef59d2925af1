/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The source of a driver choice's files when the packages are the job's
 * artifacts opened with the package reader (drivers/pkg.c): the
 * struct ow_drv_source op-drivers reads through, over a set of open
 * packages, each found by its artifact name (ow_drvpkg_name). */
#include <stdlib.h>

#include "prepare.h"

static struct ow_drvpkg *
find_pkg (const struct ow_drv_pkgset *set, const char *package)
{
  for (size_t i = 0; i < set->n; i++)
    if (strcmp (ow_drvpkg_name (set->v[i]), package) == 0)
      return set->v[i];
  ow_err (ENOENT, "driver package %s is not one of the job's", package);
  return NULL;
}

static int
pkg_read (void *opaque, const char *package, const char *path, void **buf, size_t *len)
{
  struct ow_drvpkg *pkg = find_pkg (opaque, package);
  ssize_t i;

  if (pkg == NULL)
    return -1;
  i = ow_drvpkg_find (pkg, path);
  if (i < 0)
    return ow_err (ENOENT, "%s: %s is not in the package", package, path);
  return ow_drvpkg_read (pkg, (size_t) i, buf, len);
}

static char **
pkg_list (void *opaque, const char *package)
{
  struct ow_drvpkg *pkg = find_pkg (opaque, package);
  size_t n = pkg ? ow_drvpkg_count (pkg) : 0;
  char **v;

  if (pkg == NULL)
    return NULL;
  v = calloc (n + 1, sizeof *v);
  if (v == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    if ((v[i] = strdup (ow_drvpkg_entry (pkg, i)->path)) == NULL) {
      ow_strv_free (v);
      ow_err (ENOMEM, "out of memory");
      return NULL;
    }
  return v;
}

void
ow_drv_source_init (struct ow_drv_source *src, struct ow_drv_pkgset *set)
{
  src->opaque = set;
  src->read = pkg_read;
  src->list = pkg_list;
}
