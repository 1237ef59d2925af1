/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Driver packages (pkg.c): what the tests and the fuzz target see beyond
 * the contract in drivers.h. */
#ifndef OW_DRIVERS_PKG_INTERNAL_H
#define OW_DRIVERS_PKG_INTERNAL_H

#include "drivers/drivers.h"

/* The caps every package is checked against (one place; docs/driver-packages.md
 * states them).  A vendor's package is far below each: the virtio-win ISO
 * holds a few thousand files and ~700 MB, its largest file (the guest
 * tools installer) ~30 MB. */
#define OW_DRVPKG_MAX_ENTRIES    32768                   /* headers: files and folders */
#define OW_DRVPKG_MAX_ENTRY_SIZE (UINT64_C (256) << 20)  /* one file */
#define OW_DRVPKG_MAX_TOTAL_SIZE (UINT64_C (4) << 30)    /* all files together */
#define OW_DRVPKG_MAX_PATH_LEN   1024                    /* bytes of a path */
#define OW_DRVPKG_MAX_DEPTH      32                      /* components of a path */
/* Hard-link targets (ISO writers store identical files once) are kept in
 * memory when the reader passes them, so reading their links needs no
 * reopen of the archive: files up to this size, up to this total. */
#define OW_DRVPKG_CACHE_ENTRY_SIZE (UINT64_C (1) << 20)
#define OW_DRVPKG_CACHE_TOTAL      (UINT64_C (32) << 20)
/* Bytes the archive reader may produce from its (decompressed) input
 * while it walks the package: the files plus their headers.  A stream
 * that goes on beyond this is a decompression bomb. */
#define OW_DRVPKG_MAX_STREAM     (OW_DRVPKG_MAX_TOTAL_SIZE \
                                  + (uint64_t) OW_DRVPKG_MAX_ENTRIES * 65536)

/* The same reader over an archive in memory (BUF must outlive the
 * package): what the fuzz target drives. */
struct ow_drvpkg *ow_drvpkg_open_mem (const void *buf, size_t len, const char *name);
/* How many times the archive was opened, listing included (tests check
 * that reading in index order is one pass). */
size_t ow_drvpkg_opens (const struct ow_drvpkg *pkg);

#endif
