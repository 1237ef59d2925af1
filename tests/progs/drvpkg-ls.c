/* SPDX-License-Identifier: GPL-3.0-or-later */
/* drvpkg-ls [--dir] [--names] [--reverse] [--opens] [--find PATH] SOURCE: list a
 * driver package through the library's reader (offline-win/drivers/pkg.c),
 * one line per entry in package order: "CRC32 SIZE PATH", reading every
 * entry (--names: "SIZE PATH", nothing read; --reverse: read and print
 * last entry first, so every read goes back in the archive; --opens: then
 * print on stderr how many times the archive was opened).  --find: print the entry PATH names
 * (case-insensitive) and exit 1 if there is none.  --dir accepts a host
 * folder (what ce-offline allows).  Errors: the library's message on
 * stderr, exit 1. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "drivers/pkg-internal.h"

static int
fail (void)
{
  fprintf (stderr, "drvpkg-ls: %s\n", ow_error_message ());
  return 1;
}

int
main (int argc, char **argv)
{
  bool dir = false, names = false, reverse = false, opens = false;
  const char *find = NULL;
  struct ow_drvpkg *p;
  int i = 1;

  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp (argv[i], "--dir") == 0)
      dir = true;
    else if (strcmp (argv[i], "--names") == 0)
      names = true;
    else if (strcmp (argv[i], "--reverse") == 0)
      reverse = true;
    else if (strcmp (argv[i], "--opens") == 0)
      opens = true;
    else if (strcmp (argv[i], "--find") == 0 && i + 1 < argc)
      find = argv[++i];
    else
      break;
  }
  if (i != argc - 1) {
    fprintf (stderr, "usage: drvpkg-ls [--dir] [--names] [--reverse] [--opens] [--find PATH] SOURCE\n");
    return 2;
  }
  p = ow_drvpkg_open (argv[i], NULL, dir);
  if (p == NULL)
    return fail ();
  if (find) {
    ssize_t k = ow_drvpkg_find (p, find);
    if (k >= 0)
      printf ("%s\n", ow_drvpkg_entry (p, (size_t) k)->path);
    ow_drvpkg_close (p);
    return k >= 0 ? 0 : 1;
  }
  for (size_t j = 0; j < ow_drvpkg_count (p); j++) {
    size_t k = reverse ? ow_drvpkg_count (p) - 1 - j : j;
    const struct ow_drvpkg_entry *e = ow_drvpkg_entry (p, k);
    void *buf;
    size_t len;

    if (names) {
      printf ("%" PRIu64 " %s\n", e->size, e->path);
      continue;
    }
    if (ow_drvpkg_read (p, k, &buf, &len) == -1) {
      ow_drvpkg_close (p);
      return fail ();
    }
    printf ("%08" PRIx32 " %zu %s\n", ow_crc32 (buf, len), len, e->path);
    free (buf);
  }
  if (opens)
    fprintf (stderr, "opens %zu\n", ow_drvpkg_opens (p));
  ow_drvpkg_close (p);
  return 0;
}
