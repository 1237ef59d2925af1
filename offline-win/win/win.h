/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the Windows layer.  The inspection model is a jansson
 * object (the same document `ce-offline inspect --json` prints); these
 * functions each fill in one part of it. */
#ifndef OW_WIN_H
#define OW_WIN_H

#include <jansson.h>

#include "internal.h"

/* Standard hive files under <systemroot>/System32/config. */
extern const char *const ow_win_hive_names[];

/* What one Windows installation needs while it is being inspected. */
struct ow_win_ctx {
  struct ow_disk *disk;
  const struct ow_ptable *pt;
  const struct ow_partition *part;
  struct ow_volume *vol;
  char *systemroot;           /* on-disk case, e.g. "Windows" */
  struct ow_hive *system, *software, *security;
  char *control_set;          /* "ControlSet001" */
  json_t *problems;           /* array of {"code","message"} for the verdict */
};

/* win/systemroot.c: directories at the root of VOL that look like a
 * Windows system root (System32/config and System32/cmd.exe). */
char **ow_win_find_systemroots (struct ow_volume *vol);

/* win/pe.c: architecture from a PE header ("x86_64", "i386", "aarch64"),
 * or NULL if not a PE image. */
const char *ow_pe_arch (const void *buf, size_t len);
/* win/pe.c: 0 if BUF (LEN bytes) can be a kernel-mode driver (.sys) for
 * ARCH ("amd64", "x86", "arm64", or inspection's "x86_64", "i386",
 * "aarch64"): a PE image of that machine, PE32 for x86 and PE32+
 * otherwise, native subsystem.  Else -1 (OW_ERR_INVALID) with the reason,
 * WHAT naming the file.  The signature is not checked (that needs Windows). */
int ow_pe_check_driver (const void *buf, size_t len, const char *arch, const char *what);

/* win/version.c: SOFTWARE → product, edition, build, version, osName. */
int ow_win_version (struct ow_win_ctx *c, json_t *out);
/* win/system.c: control set, hostname, domain, pagefile, hiberboot, drive
 * letters from MountedDevices. */
int ow_win_system (struct ow_win_ctx *c, json_t *out);
/* Drive letter mapped to partition P by MountedDevices ("C:"), or NULL. */
char *ow_win_drive_letter (struct ow_win_ctx *c, const struct ow_partition *p);
/* win/domain.c: SECURITY → domain membership. */
int ow_win_domain (struct ow_win_ctx *c, json_t *out);
/* win/vda.c: Citrix VDA version and controllers. */
int ow_win_vda (struct ow_win_ctx *c, json_t *out);
/* win/srctools.c: source-hypervisor tools (data/source-tools.json).
 * The checked data file (NULL + error if it is malformed). */
json_t *ow_srctools_load (void);
json_t *ow_srctools_parse (const char *data, size_t len);
/* Products of TABLE found in the hives (either may be NULL): an array of
 * {"id","title","hypervisor","products","services","filters"}. */
json_t *ow_srctools_detect (struct ow_hive *sys, struct ow_hive *sw, const char *cs,
                            json_t *table);
/* Every UpperFilters/LowerFilters list of the class keys and the Enum
 * device keys of control set CS naming one of NAMES, appended to OUT as
 * {"key","value","list","names"}. */
int ow_srctools_filters (struct ow_hive *sys, const char *cs, json_t *names, json_t *out);
/* Inspect: "sourceTools" of the installation. */
int ow_win_srctools (struct ow_win_ctx *c, json_t *out);
/* win/hives.c: load hive NAME of the installation (ENTRIES: the names in
 * System32/config), replaying newer log entries in memory; append its
 * state to the HIVES array.  NULL if absent or unusable (the problem is
 * recorded in the verdict).  FLAGS: OW_HIVE_WRITE for an editable copy. */
struct ow_hive *ow_win_load_hive (struct ow_win_ctx *c, const char *name,
                                  char **entries, json_t *hives, unsigned flags);

/* win/bcd-inspect.c: add to LOC ({"partition","path"}) what the BCD store
 * of DATA says ("status", "bootmgr", "default", "objects", "problems"), or
 * why it cannot be read (READ_ERROR, or DATA not a hive). */
#define MAX_BCD_FILE (16u * 1024 * 1024)
void ow_win_bcd_describe (json_t *loc, const void *data, size_t len, const char *read_error,
                          const struct ow_ptable *pt);

/* Add a problem to the verdict. */
void ow_win_problem (json_t *problems, const char *code, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* json helpers: set KEY to a string / null when S is NULL (S is freed). */
void ow_json_set_str_take (json_t *obj, const char *key, char *s);
void ow_json_set_str (json_t *obj, const char *key, const char *s);
json_t *ow_json_strv (char **v);  /* array of strings (NULL → []) */

#endif
