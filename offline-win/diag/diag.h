/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the diagnostics (`ce-offline diagnose`, agent job
 * `diagnostics`): why did a migrated image not boot or configure?  Read
 * only, from start to end: the disk is opened read-only, every volume
 * read-only, every hive on a private copy.  One file per source of
 * evidence; each adds findings to one report (docs/ce-offline.md,
 * "diagnose"). */
#ifndef OW_DIAG_H
#define OW_DIAG_H

#include <jansson.h>

#include "win/win.h"

/* ---- limits (one block: every outside size is capped) ----------------- */
/* An event log larger than this is not parsed (Windows' default System log
 * is 20 MiB; admins raise it, rarely past this).  The reader holds it
 * twice (evtx.c pads a copy), so this bounds 128 MiB of memory. */
#define DIAG_MAX_EVTX_FILE     (64u * 1024 * 1024)
/* Records looked at in one log (a 128 MiB log holds some 300,000). */
#define DIAG_MAX_EVTX_RECORDS  2000000
/* Newest events of one kind the report lists (the count says how many). */
#define DIAG_MAX_EVENTS_PER_KIND 10
/* Strings of one event copied into the report, and their length. */
#define DIAG_MAX_EVENT_STRINGS 12
#define DIAG_MAX_STRING        1024
/* The tail of a text log that is parsed (setupapi.dev.log grows for years). */
#define DIAG_MAX_TEXT_LOG      (16u * 1024 * 1024)
/* Lines of the first-boot log quoted in the report. */
#define DIAG_LOG_TAIL_LINES    40
/* setupapi sections listed (newest first) and failed ones. */
#define DIAG_MAX_SETUPAPI_SECTIONS 40
/* Bundle: each file at most this (logs keep their tail, .evtx are left
 * out whole), and all files together at most that. */
#define DIAG_BUNDLE_MAX_FILE   (64u * 1024 * 1024)
#define DIAG_BUNDLE_MAX_TOTAL  (512u * 1024 * 1024)
/* Class keys and filter names looked at. */
#define DIAG_MAX_CLASSES       4096

/* One diagnosis. */
struct diag {
  struct ow_win_ctx w;          /* volume, systemroot, hives, control set */
  struct ow_hive *bcd_hive;     /* the BIOS store, if read */
  const char *platform;         /* the target: given or inferred; NULL unknown */
  json_t *report;               /* the document */
  json_t *findings;             /* array */
  json_t *keys;                 /* ["SYSTEM\\ControlSet001\\Services\\x", ...] read */
  json_t *files;                /* image files worth bundling: [{"path", "kind"}] */
  json_t *bcd;                  /* {"partition", "path"} of the BIOS store, or NULL */
  bool volume_unsafe;           /* hibernated / dirty / unclean: said in the report */
};

/* finding.c: add a finding; EVIDENCE is stolen (an array, or one object).
 * SEVERITY "error", "warning" or "info".  Returns the finding (borrowed). */
json_t *diag_finding (struct diag *d, const char *code, const char *severity,
                      json_t *evidence, const char *hint_fmt, ...)
  __attribute__ ((format (printf, 5, 6)));
/* Evidence objects. */
json_t *diag_ev_registry (const char *hive, const char *key, const char *value,
                          json_t *data);
json_t *diag_ev_file (const char *path, const char *what);
/* Remember that the report used KEY of HIVE (dumped as text in the bundle). */
void diag_key_used (struct diag *d, const char *hive, const char *key);
/* Remember an image file for the bundle (KIND: "evtx", "log", "record"). */
void diag_file_note (struct diag *d, const char *path, const char *kind);
/* "<control set>\\REST" (malloc'd). */
char *diag_cs (struct diag *d, const char *rest);
/* ISO 8601 UTC text of a Windows FILETIME (100 ns since 1601); buf >= 32. */
void diag_filetime_text (uint64_t ft, char buf[32]);

/* files.c: read the last MAX bytes of a file of the volume (*TOTAL: its
 * whole size) and its last-write time as a FILETIME. */
int diag_file_read_tail (struct ow_volume *vol, const char *path, size_t max,
                         void **buf, size_t *len, uint64_t *total);
int diag_file_mtime (struct ow_volume *vol, const char *path, uint64_t *filetime);

/* evtx.c: the records of an .evtx file held in memory, through libevtx
 * (never our own parser).  CB is called for each record (0 go on, 1 stop);
 * -1 with the error set (EINVAL: not an event log libevtx accepts). */
struct diag_event {
  uint64_t record_id;
  uint32_t event_id;            /* without qualifiers */
  uint8_t level;                /* 1 critical, 2 error, 3 warning, 4 information */
  uint64_t written;             /* FILETIME */
  char *source;                 /* source (provider) name, UTF-8 */
  size_t nstrings;
  char **strings;               /* at most DIAG_MAX_EVENT_STRINGS, each capped */
};
typedef int (*diag_event_fn) (void *opaque, const struct diag_event *ev);
/* WANT (may be NULL: all) sees each record without its strings first;
 * only the records it wants get their strings read (most of a log's
 * records interest nobody, and their strings are the costly part). */
typedef bool (*diag_event_want_fn) (void *opaque, const struct diag_event *ev);
int ow_diag_evtx_read (const void *buf, size_t len, size_t max_records,
                       diag_event_want_fn want, diag_event_fn cb, void *opaque,
                       size_t *nrecords);

/* One collector per file; each adds its section and findings.  They
 * return -1 only for what makes the whole report impossible (memory). */
int diag_events (struct diag *d);          /* events.c: System.evtx */
int diag_firstboot (struct diag *d);       /* firstboot.c: our runner */
int diag_setupapi (struct diag *d);        /* setupapi.c */
int diag_registry (struct diag *d);        /* registry.c: storage, filters, reboot, dump */
int diag_bcd (struct diag *d);             /* bcd.c: after diag_bcd_read, or "not read" */
void diag_bcd_read (struct diag *d, struct ow_hive *h, unsigned part, const char *where);
int diag_platform (struct diag *d, const char *given);  /* platform.c */

/* platform.c: the boot storage drivers of a platform (NULL-terminated),
 * its title, and whether NAME is a platform. */
const char *const *diag_platform_boot_drivers (const char *platform);
const char *diag_platform_title (const char *platform);

/* redact.c: TEXT with secrets replaced by "<redacted>" (malloc'd): JSON
 * fields named password/token/secret/key..., "password=..." pairs,
 * "Authorization: Bearer ..." and URL user:password@.  *EXCLUDE is set
 * when the text is a job document carrying an SMB password (such a file
 * is never bundled, redacted or not). */
char *ow_diag_redact (const char *text, size_t len, bool *exclude);
/* Never bundled: a hive holding credentials (SAM, SECURITY and their
 * logs) or an answer file (unattend.xml, autounattend.xml). */
bool ow_diag_name_forbidden (const char *path);

/* bundle.c: write the ZIP. */
int diag_bundle_write (struct diag *d, const char *path, const char *const *includes);
/* keydump.c: the keys the report used, as .reg-like text (malloc'd). */
char *diag_keys_dump (struct diag *d);

#endif /* OW_DIAG_H */
