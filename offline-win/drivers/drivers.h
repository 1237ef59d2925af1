/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Driver injection (issue "Target drivers"): the contract between its three
 * parts, each in its own file of this folder.
 *
 *   pkg.c     a driver package as vendors ship it (ISO9660, ZIP, tar, or a
 *             host directory), read with libarchive into memory, with caps
 *             and name checks; nothing is extracted to a host path.
 *   inf*.c    the INF parser and the selection of the package that fits the
 *             image (arch, OS version, product type, hardware IDs).
 *   op-drivers.c (in prepare/) turns the choices into plan changes.
 *
 * Library error idiom: -1 / NULL with the message set by ow_err*. */
#ifndef OW_DRIVERS_H
#define OW_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- pkg.c: driver packages ---------------------------------------- */

struct ow_drvpkg_entry {
  char *path;             /* '/'-separated, relative, as in the archive */
  uint64_t size;
};

struct ow_drvpkg;          /* opaque */

/* Open SOURCE (an archive file or, if ALLOW_DIR, a host directory), list
 * its regular files and check every name and size against the caps.
 * NAME is the artifact name for messages.  Refuses traversal ("..",
 * absolute, drive letters), too many entries, too large entries or total,
 * too long paths. */
struct ow_drvpkg *ow_drvpkg_open (const char *source, const char *name, bool allow_dir);
void ow_drvpkg_close (struct ow_drvpkg *pkg);
const char *ow_drvpkg_name (const struct ow_drvpkg *pkg);
size_t ow_drvpkg_count (const struct ow_drvpkg *pkg);
const struct ow_drvpkg_entry *ow_drvpkg_entry (const struct ow_drvpkg *pkg, size_t i);
/* Index of PATH, compared case-insensitively ('\\' = '/'), or -1. */
ssize_t ow_drvpkg_find (const struct ow_drvpkg *pkg, const char *path);
/* The content of entry I in a new buffer (caller frees). */
int ow_drvpkg_read (struct ow_drvpkg *pkg, size_t i, void **buf, size_t *len);

/* ---- inf*.c: what a chosen driver needs written ---------------------- */

/* One file the install section copies. */
struct ow_drv_file {
  char *src;              /* path inside the package */
  char *dest;             /* destination directory below the system root,
                           * '/'-separated, DIRID resolved: "System32/drivers" */
  char *name;             /* destination file name */
};

/* One HKR/HKLM AddReg line, already resolved to a key below the
 * service key (for service AddReg) or the device's driver key. */
struct ow_drv_reg {
  char *subkey;           /* relative to the service key, "" = the key itself */
  char *value;            /* "" = default value */
  uint32_t type;          /* REG_SZ, REG_DWORD, ... (winnt.h numbers) */
  void *data;
  size_t len;
  uint32_t flags;         /* the INF's FLG_ADDREG_* flags as written (0x2
                           * NOCLOBBER: keep a value that exists) */
};

struct ow_drv_service {
  char *name;             /* AddService name: "viostor" */
  uint32_t type;          /* ServiceType (1 kernel driver) */
  uint32_t start;         /* StartType as the INF says (0 boot, 3 demand...) */
  uint32_t error_control;
  char *group;            /* LoadOrderGroup, or NULL */
  char *image_path;       /* "System32\\drivers\\viostor.sys" (DIRID resolved) */
  struct ow_drv_reg *reg; /* the service-install section's AddReg */
  size_t nreg;
};

/* The selection's answer for one device the platform needs. */
struct ow_drv_choice {
  char *package;          /* artifact name of the package */
  char *inf_path;         /* path of the INF inside the package */
  char *inf_name;         /* its file name, lower case: "viostor.inf" */
  char *class_name, *class_guid;
  char *provider, *driver_ver;   /* DriverVer: "mm/dd/yyyy,w.x.y.z" */
  char *catalog;          /* CatalogFile (decorated one if any), or NULL */
  char *model_section;    /* "VirtIO.NTamd64.10.0" */
  char *install_section;  /* "viostor_inst.NTamd64" (decorated as chosen) */
  char **hwids;           /* every hardware ID of the chosen model lines */
  size_t nhwids;
  struct ow_drv_service *services;
  size_t nservices;
  struct ow_drv_file *files;
  size_t nfiles;
  bool boot_critical;     /* Class SCSIAdapter / HDC and the platform's boot disk */
  char *why;              /* why this INF and section: operator words */
  char **rejected;        /* one line per INF/section not chosen, with the reason */
  size_t nrejected;
  char **unsupported;     /* directives seen and not applied (listed in the plan) */
  size_t nunsupported;
  char *store_name;       /* the package's driver store folder, what DIRID 13
                           * resolves to below System32/DriverStore/
                           * FileRepository: "viostor.inf_amd64_<16 hex>"
                           * (docs/drivers.md, "DIRID 13") */
};

void ow_drv_choice_free (struct ow_drv_choice *c);
/* The fields of C freed, C zeroed (an element of an array of choices). */
void ow_drv_choice_clear (struct ow_drv_choice *c);

#endif
