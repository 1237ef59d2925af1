/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the prepare engine: the plan model and the
 * operations that fill it.
 *
 * Flow (safety invariant 1: nothing is written before the whole plan
 * validated): read the installation (hives loaded into private copies,
 * logs replayed in memory) → every operation adds the changes it needs to
 * the plan, comparing with the current state so an unchanged setting adds
 * nothing (idempotence) → the plan is validated → only then applied: each
 * edited hive is committed to a new private file, re-opened and checked,
 * and swapped into the volume crash-safely; files are written through the
 * NTFS layer.  Every change is listed in the result. */
#ifndef OW_PREPARE_H
#define OW_PREPARE_H

#include <jansson.h>

#include "internal.h"
#include "drivers/drivers.h"

enum ow_change_kind {
  OW_CH_REG_SET,          /* create or replace a value (key created if absent) */
  OW_CH_REG_DELETE,       /* delete a value */
  OW_CH_REG_DELETE_KEY,   /* delete a key and everything below it */
  OW_CH_FILE_WRITE,       /* create or replace a file */
  OW_CH_FILE_DELETE,      /* delete a file */
};

struct ow_change {
  enum ow_change_kind kind;
  char *step;             /* operation that asked for it: "pagefile", ... */
  /* Registry changes. */
  char *hive;             /* "SYSTEM", "SOFTWARE", "SECURITY" */
  char *key;              /* backslash path below the hive root */
  char *value;            /* value name, "" = default value */
  bool had_old;
  uint32_t old_type, new_type;
  void *old_data, *new_data;
  size_t old_len, new_len;
  /* File changes: volume path with '/' separators, content in memory or
   * streamed from a host file (artifacts). */
  char *path;
  void *content;
  size_t content_len;
  char *source;           /* host file to copy from, instead of content (its name) */
  int source_fd;          /* ...read through this descriptor, opened once (-1: none) */
  uint64_t source_len;
  char *note;             /* human explanation, optional */
};

/* Outcome of one operation (step) of the job. */
enum ow_step_status { OW_STEP_OK, OW_STEP_NOTHING_TO_DO, OW_STEP_FAILED, OW_STEP_SKIPPED };

struct ow_plan {
  struct ow_change *v;
  size_t n, cap;
  json_t *steps;          /* [{"step","status","message"}] in job order */
  json_t *notes;          /* [string]: things the operator should know */
};

void ow_plan_init (struct ow_plan *p);
/* Forget the last change recorded (a step that gives up half-way). */
void ow_plan_drop_last (struct ow_plan *p);
void ow_plan_free (struct ow_plan *p);
/* Registry: record a change only if it differs from the current value in
 * HV (the private copy the operation read).  Returns 0 (added or nothing
 * to do) or -1. */
int ow_plan_reg_set (struct ow_plan *p, const char *step, struct ow_hive *hv,
                     const char *hive_name, const char *key, const char *value,
                     uint32_t type, const void *data, size_t len);
int ow_plan_reg_set_dword (struct ow_plan *p, const char *step, struct ow_hive *hv,
                           const char *hive_name, const char *key,
                           const char *value, uint32_t v);
int ow_plan_reg_set_string (struct ow_plan *p, const char *step, struct ow_hive *hv,
                            const char *hive_name, const char *key,
                            const char *value, uint32_t type /* SZ or EXPAND_SZ */,
                            const char *utf8);
int ow_plan_reg_set_multi (struct ow_plan *p, const char *step, struct ow_hive *hv,
                           const char *hive_name, const char *key,
                           const char *value, const char *const *strs, size_t n);
int ow_plan_reg_delete (struct ow_plan *p, const char *step, struct ow_hive *hv,
                        const char *hive_name, const char *key, const char *value);
int ow_plan_reg_delete_key (struct ow_plan *p, const char *step, struct ow_hive *hv,
                            const char *hive_name, const char *key);
/* Files: record a write only if the file is absent or its content differs
 * (compared through VOL). CONTENT is copied. */
int ow_plan_file_write (struct ow_plan *p, const char *step, struct ow_volume *vol,
                        const char *path, const void *content, size_t len);
/* The same with the content of host file FD (NAME for messages): the plan
 * keeps a duplicate of FD and the write streams from it, so what is
 * written is the file that was read and checked, whatever NAME names by
 * then. */
int ow_plan_file_copy (struct ow_plan *p, const char *step, struct ow_volume *vol,
                       const char *path, int fd, const char *name);
int ow_plan_file_delete (struct ow_plan *p, const char *step, struct ow_volume *vol,
                         const char *path);
void ow_plan_step (struct ow_plan *p, const char *step, enum ow_step_status st,
                   const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));
void ow_plan_note (struct ow_plan *p, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* A registry value's data as JSON (string, array, number, or "hex:..."). */
json_t *ow_reg_value_json (uint32_t type, const void *data, size_t len);
/* The plan (or the result after apply) as JSON: {"changes":[...],"steps":[...]}. */
json_t *ow_plan_json (const struct ow_plan *p);

struct ow_firstboot_cmd {
  char *step;          /* operation that needs it */
  char *command;          /* command line, run as SYSTEM at next boot */
  char *description;
  bool first;             /* queued with ow_firstboot_add_first */
  int *ok_codes;          /* exit codes that mean done (NULL: 0 and 3010) */
  size_t nok_codes;
  bool continue_on_failure;  /* a non-zero exit is logged and the list goes on */
};

/* Where the bytes of a chosen driver package come from (op-drivers):
 * the selection plugs its package reader in (ow_drvpkg_find +
 * ow_drvpkg_read; a host directory in the tests). */
struct ow_drv_source {
  void *opaque;
  /* The content of PATH ('/'-separated, as in struct ow_drv_choice) in
   * PACKAGE, in a new buffer (caller frees).  0 or -1 (ow_err set). */
  int (*read) (void *opaque, const char *package, const char *path, void **buf, size_t *len);
  /* Every regular file of PACKAGE, NULL-terminated (ow_strv_free), or
   * NULL (ow_err set). */
  char **(*list) (void *opaque, const char *package);
};

struct ow_drv_need;

/* What the operations see: the one Windows installation, read-only
 * private hive copies (logs replayed), and the validated job. */
struct ow_prep_ctx {
  struct ow_disk *disk;
  const struct ow_ptable *pt;
  const struct ow_partition *part;
  struct ow_volume *vol;            /* read-only while planning */
  const char *systemroot;           /* "Windows" as on disk */
  const char *control_set;          /* "ControlSet001" */
  const char *drive_letter;         /* "C:" or NULL */
  struct ow_hive *system, *software, *security, *sam;
  /* The BCD store (editable private copy, NULL if none or unusable),
   * its volume path ("Boot/BCD"), and why it cannot be written by this
   * job (not on the Windows volume), or NULL when it can. */
  struct ow_hive *bcd;
  const char *bcd_path;
  char *bcd_unwritable;
  json_t *facts;                    /* the inspect document of this installation */
  const json_t *job;                /* validated job document */
  bool temp_disk;                   /* the CE's VM size has a temporary resource disk */
  const char *const *artifact_paths;/* "NAME=PATH" pairs given to ce-offline */
  struct ow_firstboot_cmd *fb;      /* queued first-boot commands */
  size_t nfb;
  /* Boot storage drivers an earlier operation of this job made bootable
   * (injected): ow_prep_boot_storage_provided adds a service name here,
   * and removeSourceTools counts it as the target's boot storage. */
  char **boot_storage;
  size_t nboot_storage;
  /* The driver selection's answer for this image (op-drivers.c): the
   * choices and the source of their files; none: only in-box drivers. */
  const struct ow_drv_choice *drv_choices;
  size_t ndrv_choices;
  const struct ow_drv_source *drv_src;
  /* What the target needs; NULL: the job platform's, from platforms.json
   * (the tests set their own). */
  const struct ow_drv_need *drv_needs;
  size_t ndrv_needs;
  /* A "drivers" artifact may be a host directory (ce-offline only: it
   * cannot be pinned by a digest; the plan says so). */
  bool host_dirs;
};

/* The seam for the drivers operation: SERVICE (e.g. "vioscsi") is a boot
 * storage driver this job installs with Start=0 and its file. */
int ow_prep_boot_storage_provided (struct ow_prep_ctx *ctx, const char *service);

/* One function per operation (offline-win/prepare/op-*.c).  Each reads
 * CTX, adds changes to PLAN and records its step status.  -1 only for
 * errors that must abort the whole job (I/O, out of memory); a step that
 * cannot be done records OW_STEP_FAILED and returns 0. */
int ow_op_pagefile (struct ow_prep_ctx *ctx, struct ow_plan *plan);
/* op-firstboot.c: 0 if ProgramData/CE-Appliance and its runner and
 * installer directories are absent or changeable by SYSTEM and
 * Administrators only; 1 if not (STEP failed, with the reason); -1 error. */
int ow_firstboot_dirs_check (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *step);
int ow_op_vda (struct ow_prep_ctx *ctx, struct ow_plan *plan);
int ow_op_components (struct ow_prep_ctx *ctx, struct ow_plan *plan);   /* MISA / PVS */
int ow_op_unjoin (struct ow_prep_ctx *ctx, struct ow_plan *plan);
int ow_op_platform (struct ow_prep_ctx *ctx, struct ow_plan *plan);     /* RDP + platform profile */

/* ---- op-drivers.c: target drivers (docs/drivers.md) ----------------- */

/* One driver the target platform needs (platforms.json "drivers"). */
struct ow_drv_need {
  char *service;          /* "stornvme", "vioscsi" */
  char *what;             /* operator words */
  char *role;             /* "bootStorage", "network", "other"; NULL = unknown */
  char **hwids;           /* hardware IDs the platform presents, may be empty */
  size_t nhwids;
  char *inbox;            /* the in-box driver ("stornvme": Windows\INF\stornvme.inf), or NULL */
  /* The target variant the need applies to only ("nvme", "gvnic",
   * "lsisas"), or NULL: a variant need is met when it can be (in the image
   * or the job's packages) and never refuses the job (docs/drivers.md,
   * "Variants"). */
  char *variant;
  /* DWORDs below the service key the platform needs ("registry":
   * [{"key": "Parameters", "value": "IoTimeoutValue", "data": 240}]). */
  char **param_keys;
  char **param_names;
  uint32_t *param_values;
  size_t nparams;
};
void ow_drv_needs_free (struct ow_drv_need *v, size_t n);
/* The needs of PLATFORM from the embedded platforms.json (fields
 * "role", "hardwareIds", "inbox", "variant", "registry" of each "drivers" entry;
 * absent ones are empty).  0 / -1. */
int ow_drv_platform_needs (const char *platform, struct ow_drv_need **v, size_t *n);
/* The same from a platforms.json document already loaded. */
int ow_drv_needs_from_json (json_t *platforms, const char *platform,
                            struct ow_drv_need **v, size_t *n);
/* Plan the drivers of CHOICES (their files read through SRC) and the
 * in-box NEEDS of the image: boot-critical storage written and bound at
 * boot, every package staged and installed first at next boot.  A
 * boot-storage need met by neither fails the "drivers" step (the job is
 * then refused before writing) unless MISSING_WARN.  0 / -1. */
int ow_drivers_plan (struct ow_prep_ctx *ctx, struct ow_plan *plan,
                     const struct ow_drv_choice *choices, size_t n,
                     const struct ow_drv_source *src,
                     const struct ow_drv_need *needs, size_t nneeds, bool missing_warn);
/* drv-bind.c (used by op-drivers.c; here for the unit tests). */
int ow_drv_guid_bytes (const char *s, uint8_t out[16]);
int ow_drv_version_blob (const char *class_guid, uint8_t out[48]);
char *ow_drv_hwid_key (const char *hwid);
int ow_drv_bootstrap_names (const struct ow_drv_choice *c, const char *arch, char **inf,
                            char **label);
int ow_drv_bind_cdd (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *service,
                     const char *class_guid, char *const *hwids, size_t nhwids);
int ow_drv_bind_ddb (struct ow_prep_ctx *ctx, struct ow_plan *plan,
                     const struct ow_drv_choice *c, const char *service, const char *arch,
                     char **inf, char **label);
char *ow_drv_unbind_command (const struct ow_drv_choice *c, const char *inf, const char *label);
/* drv-inbox.c: plan what NEEDS the CHOICES do not meet and the image
 * has (in-box drivers made to start at boot; DDB: the image binds
 * through DriverDatabase); *INBOX_USED counts them.  *MISSING gets the
 * boot-storage needs met by nothing ("svc (what, hwid); ..."), or NULL. */
int ow_drv_plan_needs (struct ow_prep_ctx *ctx, struct ow_plan *plan,
                       const struct ow_drv_choice *choices, size_t n,
                       const struct ow_drv_need *needs, size_t nneeds, bool ddb,
                       size_t *inbox_used, char **missing);
/* drv-source.c: the source over the job's open packages (pkg.c). SET
 * must outlive SRC. */
struct ow_drv_pkgset {
  struct ow_drvpkg **v;
  size_t n;
};
void ow_drv_source_init (struct ow_drv_source *src, struct ow_drv_pkgset *set);
/* drv-select.c: the job's "drivers" artifacts opened (digests checked),
 * their INFs parsed, one choice per need of the job's platform, every
 * .sys checked against the image's arch; CTX's drv_* fields then point
 * into W (which must outlive them; free with ow_drv_wired_free).  A job
 * without "drivers", or CTX with choices already set (tests), is left
 * alone.  Input that cannot be used fails the "drivers" step (0). */
#define OW_DRV_ROLE_BOOT "bootStorage"
struct ow_drv_wired {
  struct ow_drv_pkgset set;
  struct ow_drv_source src;
  struct ow_drv_choice *choices;
  size_t nchoices;
  struct ow_drv_need *needs;
  size_t nneeds;
};
int ow_drv_select (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct ow_drv_wired *w);
void ow_drv_wired_free (struct ow_drv_wired *w);
/* The operation: the job's platform needs, CTX's choices. */
int ow_op_drivers (struct ow_prep_ctx *ctx, struct ow_plan *plan);
/* Test-only entry: ow_prepare_disk with SETUP called on the context
 * before the operations run (the tests hand-build driver choices). */
int ow_prepare_disk_setup (struct ow_disk *disk, const struct ow_job *job,
                           const struct ow_prepare_options *opts,
                           int (*setup) (struct ow_prep_ctx *ctx, void *opaque), void *opaque,
                           char **result);

/* op-bcd.c: the platform's BCD settings and the serial console. */
int ow_op_bcd (struct ow_prep_ctx *ctx, struct ow_plan *plan);
/* Is S a well-formed BCD setting of platforms.json? */
bool ow_bcd_setting_valid (const json_t *s);
/* prepare/bcd-load.c: load the store inspect found (INSPECT's "bcd" of the
 * installation) into CTX->bcd, read through VIEW; why it cannot be edited
 * goes to CTX->bcd_unwritable.  -1 only on I/O errors. */
int ow_prep_load_bcd (struct ow_prep_ctx *ctx, struct ow_disk *view);
/* First-boot runner: the other operations queue commands with
 * ow_firstboot_add; ow_op_firstboot (run last) turns the queue into files
 * and registry changes, or removes nothing when the queue is empty. */
int ow_firstboot_add (struct ow_prep_ctx *ctx, const char *step,
                      const char *command, const char *description);
/* The same, run before every command queued with ow_firstboot_add (in
 * the order of these calls), done on any exit code of OK_CODES (NULL:
 * 0 and 3010).  Driver installation uses it: later steps may need them. */
int ow_firstboot_add_first (struct ow_prep_ctx *ctx, const char *step, const char *command,
                            const char *description, const int *ok_codes, size_t nok_codes);
int ow_op_firstboot (struct ow_prep_ctx *ctx, struct ow_plan *plan);
/* The same, for a step whose failure is reported and does not stop the
 * list (an uninstaller that fails off its platform, defrag). */
int ow_firstboot_add_lenient (struct ow_prep_ctx *ctx, const char *step,
                              const char *command, const char *description);
/* op-srctools.c: removeSourceTools (data/source-tools.json). */
int ow_op_srctools (struct ow_prep_ctx *ctx, struct ow_plan *plan);
/* op-diskcheck.c: chkdsk (BootExecute) and defrag (first boot). */
int ow_op_diskcheck (struct ow_prep_ctx *ctx, struct ow_plan *plan);

/* prepare/apply.c: write the validated PLAN (hives swapped crash-safely,
 * files written), then drop the hive backups. */
int ow_prepare_apply (struct ow_prep_ctx *ctx, struct ow_plan *plan,
                      const struct ow_prepare_options *opts);
/* prepare/recover.c (docs/crash-safety.md, "Recovery").
 * The write-safety verdict: refuse (OW_ERR_UNSAFE) unless INSPECT found
 * exactly one Windows and no problem other than a registry one (those an
 * interrupted swap explains are judged after recovery). */
int ow_prepare_safety_verdict (struct ow_disk *disk, json_t *inspect);
/* Finish or roll back the hive swaps an earlier run left interrupted, on
 * the target partition of INSPECT only, and only when it carries our
 * traces (a "<HIVE>.ce-tmp/.ce-new/.ce-backup" name in its config
 * directory); a stale $MFTMirr on it is repaired only then, and refused
 * (OW_ERR_UNSAFE, run chkdsk /f) otherwise.  VIEW is DISK's mirror view
 * (ow_disk_open_mirror_view) INSPECT was made through.  DRY_RUN: the same
 * checks, nothing written.  1 something was recovered, 0 nothing to do,
 * -1 error; what was done is noted in PLAN. */
int ow_prepare_recover_target (struct ow_disk *disk, struct ow_disk *view, json_t *inspect,
                               bool dry_run, struct ow_plan *plan);
/* The same as a run starts with: view, inspection, verdict, recovery. */
int ow_prepare_recover (struct ow_disk *disk, struct ow_plan *plan);

/* prepare/journal.c: the job journal (docs/crash-safety.md, "The job"). */
enum ow_journal_kind {
  OW_JE_HIVE,             /* a hive swapped (original kept as .ce-backup) */
  OW_JE_DIR,              /* a directory the job creates */
  OW_JE_NEW,              /* a file the job creates */
  OW_JE_REPLACE,          /* a file replaced (original kept as .ce-backup) */
  OW_JE_DELETE,           /* a file deleted (original kept as .ce-backup) */
};
struct ow_journal_entry {
  enum ow_journal_kind kind;
  char *path;
};
struct ow_journal {
  char *path;             /* <root>/System32/config/CE-JOB.ce-journal */
  char *commit;           /* its second name, the commit point */
  struct ow_journal_entry *v;
  size_t n;
};
int ow_journal_init (struct ow_journal *j, const char *root);
void ow_journal_free (struct ow_journal *j);
int ow_journal_add (struct ow_journal *j, enum ow_journal_kind kind, const char *path);
/* Write the journal (before the job's first change), sync. */
int ow_journal_write (struct ow_volume *vol, const struct ow_journal *j);
/* Undo every entry (hives first, then files and directories in reverse
 * order) and remove the journal.  Idempotent. */
int ow_journal_rollback (struct ow_volume *vol, const struct ow_journal *j);
/* The commit point: the journal gets its second name. */
int ow_journal_commit (struct ow_volume *vol, const struct ow_journal *j);
/* After the commit: logs zeroed, backups removed, journal names removed. */
int ow_journal_finish (struct ow_volume *vol, const struct ow_journal *j);
/* A later run: roll the job recorded under ROOT back or forward.
 * 0 nothing found, 1 done (*WHAT says what, malloc'd), -1 error. */
int ow_journal_recover (struct ow_volume *vol, const char *root, char **what);
/* Is NAME (in the config directory) one of the journal's names? */
bool ow_journal_is_trace (const char *name);

#endif
