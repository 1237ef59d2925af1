/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for driver packages (offline-win/drivers/pkg.c):
 * the input is the bytes of a package file (ISO9660, ZIP, tar, gzip or xz
 * tar), read through the same libarchive code path as a file on disk.
 * Every listed entry is read and looked up.  Properties checked (abort =
 * a finding):
 *   - a listed path is clean: relative, no empty component and none
 *     ending in '.' or ' ' (so no "." or ".."), no '\', ':' or control
 *     character, within the length cap;
 *   - looking a listed path up (in upper case) finds that very entry;
 *   - a read returns the listed size and a NUL after it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "drivers/pkg-internal.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_path (const char *path)
{
  size_t len = strlen (path);

  if (len == 0 || len > OW_DRVPKG_MAX_PATH_LEN || path[0] == '/' || path[len - 1] == '/'
      || strstr (path, "//") || strchr (path, '\\') || strchr (path, ':'))
    abort ();
  for (const char *c = path; *c; c++)
    if ((unsigned char) *c < 0x20 || *c == 0x7f)
      abort ();
  for (const char *c = path; c; c = strchr (c, '/')) {
    const char *end;
    if (*c == '/')
      c++;
    end = strchrnul (c, '/');
    if (end == c || end[-1] == '.' || end[-1] == ' ')   /* ".", "..", "x.", "x " */
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ow_drvpkg *p = ow_drvpkg_open_mem (data, size, "fuzz");

  if (p == NULL) {
    ow_error_clear ();
    return 0;
  }
  for (size_t i = 0; i < ow_drvpkg_count (p); i++) {
    const struct ow_drvpkg_entry *e = ow_drvpkg_entry (p, i);
    char *upper = strdup (e->path);
    void *buf;
    size_t len;

    check_path (e->path);
    if (upper == NULL)
      abort ();
    for (char *c = upper; *c; c++)
      if (*c >= 'a' && *c <= 'z')
        *c -= 32;
      else if (*c == '/')
        *c = '\\';
    if (ow_drvpkg_find (p, upper) != (ssize_t) i)
      abort ();
    free (upper);
    if (ow_drvpkg_read (p, i, &buf, &len) == 0) {
      if (len != e->size || ((char *) buf)[len] != '\0')
        abort ();
      free (buf);
    }
    ow_error_clear ();
  }
  ow_drvpkg_close (p);
  return 0;
}
