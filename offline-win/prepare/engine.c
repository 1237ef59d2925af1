/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The prepare job: find the one Windows installation, load its hives
 * (logs replayed) into editable private copies, let every operation add
 * to the plan, validate, then apply or (dry run) stop. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "ntfs/ntfs-internal.h"

#include "prepare.h"
#include "job/job.h"
#include "win/inspect.h"
#include "win/win.h"

/* Steps whose failure means the job cannot be done as asked: refuse it
 * before writing (exit 2); a first-boot runner that cannot be registered
 * would leave copied installers that never run.  Other failed steps are reported and the job
 * goes on (the seed's rule for an unsupported VDA). */
static const char *const blocking_steps[] = { "misa", "pvs", "components", "drivers",
                                              "firstboot", "sourceTools", NULL };

struct engine {
  struct ow_disk *disk;
  /* Everything read before writing goes through this read-only view
   * (ow_disk_open_mirror_view): a stale $MFTMirr an interrupted run left
   * must not stop the verdict, and the verdict comes before any write. */
  struct ow_disk *view;
  uint64_t stale_mirrors;
  struct ow_ptable *pt;
  struct ow_volume *vol;
  json_t *inspect, *facts, *hives_json, *problems;
  struct ow_win_ctx win;
  struct ow_prep_ctx ctx;
  struct ow_drv_wired drv;          /* the job's driver packages and choices */
  struct ow_plan plan;
  bool dry_run;
  const struct ow_prepare_options *opts;
};

static void
progress (struct engine *e, int pct, const char *step)
{
  if (e->opts && e->opts->progress)
    e->opts->progress (e->opts->opaque, pct, step);
}

static bool
canceled (struct engine *e)
{
  return e->opts && e->opts->cancel && *e->opts->cancel;
}

/* Refuse unless inspection found exactly one Windows and no problem. */
static int
check_verdict (struct engine *e)
{
  json_t *v = json_object_get (e->inspect, "verdict"), *pr;
  char *msg = NULL;
  size_t len = 0, i;
  FILE *f;

  if (json_is_true (json_object_get (v, "writable")))
    return 0;
  /* A volume that could not be read is a failure (exit 1), not a verdict. */
  if ((pr = json_object_get (e->inspect, "error")) != NULL)
    return ow_err (EIO, "%s: not prepared, nothing was written: %s", ow_disk_spec (e->disk),
                   json_string_value (json_object_get (pr, "message")));
  f = open_memstream (&msg, &len);
  if (f == NULL)
    return ow_err (ENOMEM, "out of memory");
  json_array_foreach (json_object_get (v, "problems"), i, pr)
    fprintf (f, "%s%s", i ? "; " : "", json_string_value (json_object_get (pr, "message")));
  fclose (f);
  ow_err_unsafe (EPERM, "%s: not prepared, the disk was left untouched: %s",
                 ow_disk_spec (e->disk), msg ? msg : "unsafe");
  free (msg);
  return -1;
}

/* Before the first change, give every hive the plan edits (SYSTEM when
 * it edits none) its "<HIVE>.ce-backup" name, as step 4 of the swap
 * would: a hard link adds a name to an existing record and allocates no
 * MFT record, so it never writes $MFT records 0-3.  Every later write
 * that can (a new file's record extending $MFT) then happens on a volume
 * that carries our trace, and a stale $MFTMirr it leaves is repaired by
 * the next run instead of refused (docs/crash-safety.md, "Recovery").
 * An existing backup is an older original of an unfinished job: kept. */
static int
mark_started (struct engine *e)
{
  struct ow_hive *hives[] = { e->ctx.system, e->ctx.software, e->ctx.security };
  static const char *const names[] = { "SYSTEM", "SOFTWARE", "SECURITY" };
  bool edits[3] = { false, false, false }, any = false;

  for (size_t i = 0; i < e->plan.n; i++)
    for (size_t h = 0; h < 3; h++)
      if (e->plan.v[i].hive && strcmp (e->plan.v[i].hive, names[h]) == 0)
        edits[h] = any = true;
  if (!any)
    edits[0] = true;
  for (size_t h = 0; h < 3; h++) {
    char *backup = NULL;
    int r;
    if (!edits[h] || hives[h] == NULL)
      continue;
    if (asprintf (&backup, "%s.ce-backup", ow_hive_name (hives[h])) == -1)
      return ow_err (ENOMEM, "out of memory");
    r = ow_path_exists (e->vol, backup);
    if (r == 0)
      r = ow_ntfs_link (e->vol, ow_hive_name (hives[h]), backup);
    free (backup);
    if (r == -1)
      return -1;
  }
  return ow_volume_sync (e->vol);
}

/* Stale mirrors on partitions we do not prepare are the operator's. */
static void
note_stale_mirrors (struct engine *e)
{
  json_int_t target = json_integer_value (json_object_get (
      json_array_get (json_object_get (e->inspect, "windows"), 0), "partition"));

  for (unsigned n = 1; n < 64; n++)
    if ((e->stale_mirrors & (1ull << n)) && (json_int_t) n != target)
      ow_plan_note (&e->plan, "partition %u: $MFTMirr does not match $MFT; left as it is "
                    "(not the partition being prepared): run chkdsk /f on it in Windows", n);
}

static const struct ow_partition *
find_partition (const struct ow_ptable *pt, json_int_t number)
{
  for (size_t i = 0; i < pt->count; i++)
    if ((json_int_t) pt->parts[i].number == number)
      return &pt->parts[i];
  return NULL;
}

/* Load SYSTEM, SOFTWARE, SECURITY (editable) and SAM (read) with their
 * logs replayed, exactly as inspect read them. */
static int
load_hives (struct engine *e)
{
  char *cfg = NULL, **entries = NULL;
  int r = -1;

  e->hives_json = json_array ();
  e->problems = json_array ();
  e->win.disk = e->disk;
  e->win.pt = e->pt;
  e->win.part = e->ctx.part;
  e->win.vol = e->vol;
  e->win.problems = e->problems;
  e->win.systemroot = strdup (e->ctx.systemroot);
  if (e->win.systemroot == NULL || asprintf (&cfg, "%s/System32/config", e->ctx.systemroot) == -1) {
    cfg = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  entries = ow_dir_list (e->vol, cfg);
  if (entries == NULL)
    goto out;
  e->ctx.system = ow_win_load_hive (&e->win, "SYSTEM", entries, e->hives_json, OW_HIVE_WRITE);
  e->ctx.software = ow_win_load_hive (&e->win, "SOFTWARE", entries, e->hives_json, OW_HIVE_WRITE);
  e->ctx.security = ow_win_load_hive (&e->win, "SECURITY", entries, e->hives_json, OW_HIVE_WRITE);
  e->ctx.sam = ow_win_load_hive (&e->win, "SAM", entries, e->hives_json, 0);
  /* Say how each hive was read: logs replayed first, or dirty without
   * anything to replay (Windows itself would load the primary as it is). */
  {
    size_t i;
    json_t *h;
    json_array_foreach (e->hives_json, i, h) {
      const char *st = json_string_value (json_object_get (h, "state"));
      const char *path = json_string_value (json_object_get (h, "path"));
      if (st && strcmp (st, "dirty-no-logs") == 0)
        ow_plan_note (&e->plan, "%s was not cleanly closed and has no log entries to replay: "
                      "edited as it is on disk", path);
      else if (st && strcmp (st, "dirty-recoverable") == 0)
        ow_plan_note (&e->plan, "%s: replayed %" JSON_INTEGER_FORMAT " log entries before "
                      "editing (registry data Windows kept only in its logs is kept)", path,
                      json_integer_value (json_object_get (h, "logEntries")));
    }
  }
  if (json_array_size (e->problems) > 0 || e->ctx.system == NULL || e->ctx.software == NULL) {
    const char *why = json_string_value (json_object_get (json_array_get (e->problems, 0),
                                                         "message"));
    ow_err_unsafe (EINVAL, "the registry of the installation cannot be loaded for editing: %s",
                   why ? why : "SYSTEM or SOFTWARE missing");
    goto out;
  }
  /* Every hive Windows keeps in config must be there: a job edits
   * SECURITY, reads SAM, and an installation without one of them does
   * not boot; preparing it would report success on a broken image. */
  for (size_t h = 0; ow_win_hive_names[h]; h++) {
    bool found = false;
    for (size_t i = 0; entries[i] && !found; i++)
      found = strcasecmp (entries[i], ow_win_hive_names[h]) == 0;
    if (!found) {
      ow_err_unsafe (ENOENT, "%s: not prepared: the %s hive is missing from %s: restore it "
                     "(or repair Windows) before preparing the image", ow_disk_spec (e->disk),
                     ow_win_hive_names[h], cfg);
      goto out;
    }
  }
  if (e->ctx.security == NULL || e->ctx.sam == NULL) {
    ow_err_unsafe (EINVAL, "%s: not prepared: the %s hive cannot be loaded", ow_disk_spec (e->disk),
                   e->ctx.security == NULL ? "SECURITY" : "SAM");
    goto out;
  }
  r = 0;
 out:
  ow_strv_free (entries);
  free (cfg);
  return r;
}

static int
open_target (struct engine *e)
{
  json_t *wins = json_object_get (e->inspect, "windows");
  const char *root;

  e->facts = json_array_get (wins, 0);
  e->ctx.part = find_partition (e->pt, json_integer_value (json_object_get (e->facts, "partition")));
  root = json_string_value (json_object_get (e->facts, "systemRoot"));
  if (e->ctx.part == NULL || root == NULL)
    return ow_err (EINVAL, "inspection result and partition table disagree");
  e->ctx.systemroot = root + (*root == '/');
  e->ctx.control_set = json_string_value (json_object_get (e->facts, "currentControlSet"));
  e->ctx.drive_letter = json_string_value (json_object_get (e->facts, "driveLetter"));
  /* Plan on a read-only mount: a job with nothing to do must not write a
   * byte (a read-write mount already resets the NTFS journal). */
  e->vol = ow_volume_open (e->view, e->ctx.part->start, e->ctx.part->size, 0);
  if (e->vol == NULL)
    return -1;
  e->ctx.disk = e->disk;
  e->ctx.pt = e->pt;
  e->ctx.vol = e->vol;
  e->ctx.facts = e->facts;
  if (load_hives (e) == -1)
    return -1;
  return ow_prep_load_bcd (&e->ctx, e->view);
}

static int
run_operations (struct engine *e)
{
  static const struct { const char *name; int (*fn) (struct ow_prep_ctx *, struct ow_plan *); } ops[] = {
    { "pagefile", ow_op_pagefile },
    { "vda", ow_op_vda },
    { "components", ow_op_components },
    { "domainUnjoin", ow_op_unjoin },
    { "platform", ow_op_platform },
    { "drivers", ow_op_drivers },       /* queues its commands first in the runner */
    /* After any operation that provides drivers (its first-boot steps
     * come first), before the runner is written. */
    { "sourceTools", ow_op_srctools },
    { "diskcheck", ow_op_diskcheck },
    { "bcd", ow_op_bcd },
    { "firstboot", ow_op_firstboot },   /* last: turns queued commands into files */
  };
  size_t n = sizeof ops / sizeof ops[0];

  for (size_t i = 0; i < n; i++) {
    if (canceled (e))
      return ow_err (ECANCELED, "canceled before any change was written");
    progress (e, (int) (10 + 30 * i / n), ops[i].name);
    if (ops[i].fn (&e->ctx, &e->plan) == -1) {
      ow_err_context ("planning step %s", ops[i].name);
      return -1;
    }
  }
  return 0;
}

/* Steps that failed in a way that makes the job impossible as asked. */
static int
check_blocking (struct engine *e)
{
  size_t i;
  json_t *s;

  json_array_foreach (e->plan.steps, i, s) {
    const char *name = json_string_value (json_object_get (s, "step"));
    if (strcmp (json_string_value (json_object_get (s, "status")), "failed") != 0)
      continue;
    /* The serial console the job asked for explicitly cannot be set:
     * refuse the whole job before writing (exit 3), as for any disk we
     * cannot write safely. */
    if (strcmp (name, "bcd") == 0 && json_is_boolean (json_object_get (e->ctx.job, "serialConsole")))
      return ow_err_unsafe (EPERM, "%s: not prepared, the disk was left untouched: serialConsole "
                            "was asked for and the BCD store cannot be changed: %s",
                            ow_disk_spec (e->disk),
                            json_string_value (json_object_get (s, "message")));
    for (size_t k = 0; blocking_steps[k]; k++)
      if (strcmp (name, blocking_steps[k]) == 0)
        return ow_err_invalid ("%s: %s", name,
                               json_string_value (json_object_get (s, "message")));
  }
  return 0;
}

/* Log entries replayed into each hive we load (prepare's result says so). */
static json_t *
replayed_json (struct engine *e)
{
  json_t *o = json_object (), *h;
  size_t i;

  json_array_foreach (e->hives_json, i, h)
    if (json_is_string (json_object_get (h, "view")) &&
        strcmp (json_string_value (json_object_get (h, "view")), "replayed") == 0)
      json_object_set (o, json_string_value (json_object_get (h, "name")),
                       json_object_get (h, "logEntries"));
  return o;
}

static char *
result_text (struct engine *e, const char *status)
{
  json_t *r = e->plan.steps ? ow_plan_json (&e->plan) : json_object ();
  char *s;

  json_object_set_new (r, "status", json_string (status));
  json_object_set_new (r, "dryRun", json_boolean (e->dry_run));
  json_object_set_new (r, "disk", json_string (e->disk ? ow_disk_spec (e->disk) : ""));
  if (e->facts)
    json_object_set_new (r, "windows", json_pack ("{s:O, s:O, s:O, s:O}",
        "partition", json_object_get (e->facts, "partition"),
        "systemRoot", json_object_get (e->facts, "systemRoot"),
        "osName", json_object_get (e->facts, "osName"),
        "build", json_object_get (e->facts, "build")));
  if (e->hives_json)
    json_object_set_new (r, "replayedLogEntries", replayed_json (e));
  if (e->disk) {
    struct ow_disk_stats st;
    ow_disk_get_stats (e->disk, &st);
    json_object_set_new (r, "diskStats", json_pack ("{s:I, s:I, s:I, s:I}",
                         "bytesRead", (json_int_t) st.bytes_read, "reads", (json_int_t) st.reads,
                         "bytesWritten", (json_int_t) st.bytes_written,
                         "writes", (json_int_t) st.writes));
  }
  if (!e->dry_run && strcmp (status, "complete") == 0)
    json_object_set_new (r, "changesApplied", json_integer ((json_int_t) e->plan.n));
  s = json_dumps (r, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  json_decref (r);
  return s;
}

static void
engine_free (struct engine *e)
{
  ow_hive_close (e->ctx.system);
  ow_hive_close (e->ctx.software);
  ow_hive_close (e->ctx.security);
  ow_hive_close (e->ctx.sam);
  ow_hive_close (e->ctx.bcd);
  free (e->ctx.bcd_unwritable);
  for (size_t i = 0; i < e->ctx.nfb; i++) {
    free (e->ctx.fb[i].step);
    free (e->ctx.fb[i].command);
    free (e->ctx.fb[i].description);
    free (e->ctx.fb[i].ok_codes);
  }
  free (e->ctx.fb);
  for (size_t i = 0; i < e->ctx.nboot_storage; i++)
    free (e->ctx.boot_storage[i]);
  free (e->ctx.boot_storage);
  ow_drv_wired_free (&e->drv);
  free (e->win.systemroot);
  if (e->vol)
    ow_volume_close (e->vol);
  ow_plan_free (&e->plan);
  json_decref (e->inspect);
  json_decref (e->hives_json);
  json_decref (e->problems);
  ow_ptable_free (e->pt);
  if (e->view)
    ow_disk_close (e->view);
  if (e->disk)
    ow_disk_close (e->disk);
}

int
ow_prepare_disk (struct ow_disk *disk, const struct ow_job *job,
                 const struct ow_prepare_options *opts, char **result)
{
  return ow_prepare_disk_setup (disk, job, opts, NULL, NULL, result);
}

int
ow_prepare_disk_setup (struct ow_disk *disk, const struct ow_job *job,
                       const struct ow_prepare_options *opts,
                       int (*setup) (struct ow_prep_ctx *ctx, void *opaque), void *opaque,
                       char **result)
{
  struct engine e = { .opts = opts, .disk = disk };
  int r = -1;

  *result = NULL;
  if (strcmp (ow_job_type (job), "prepare") != 0)
    return ow_err_invalid ("job type is '%s', not 'prepare'", ow_job_type (job));
  ow_plan_init (&e.plan);
  e.dry_run = (opts && opts->dry_run) || ow_job_dry_run (job);
  e.ctx.job = ow_job_json (job);
  e.ctx.temp_disk = opts && opts->temp_disk;
  e.ctx.artifact_paths = opts ? opts->artifacts : NULL;
  e.ctx.host_dirs = opts && opts->host_dirs;

  progress (&e, 0, "inspect");
  if (!e.dry_run && ow_disk_readonly (disk)) {
    ow_err (EROFS, "%s: disk is open read-only: only a dry run is possible", ow_disk_spec (disk));
    goto out;
  }
  /* The verdict first, read-only; then recovery of an earlier run of
   * ours on the target alone; then the full verdict on what it left. */
  e.view = ow_disk_open_mirror_view (e.disk, &e.stale_mirrors);
  if (e.view == NULL)
    goto out;
  e.inspect = ow_inspect (e.view);
  if (e.inspect == NULL || ow_prepare_safety_verdict (e.disk, e.inspect) == -1)
    goto out;
  note_stale_mirrors (&e);
  {
    int rec = ow_prepare_recover_target (e.disk, e.view, e.inspect, e.dry_run, &e.plan);
    if (rec == -1)
      goto out;
    if (rec == 1) {
      json_decref (e.inspect);
      e.inspect = ow_inspect (e.view);
    }
  }
  if (e.inspect == NULL || check_verdict (&e) == -1)
    goto out;
  e.pt = ow_ptable_read (e.view);
  if (e.pt == NULL || open_target (&e) == -1)
    goto out;
  if (setup && setup (&e.ctx, opaque) == -1)
    goto out;
  /* The job's driver packages: read and chosen from before any
   * operation plans (op-drivers writes the choices). */
  if (ow_drv_select (&e.ctx, &e.plan, &e.drv) == -1)
    goto out;
  if (run_operations (&e) == -1 || check_blocking (&e) == -1)
    goto out;
  progress (&e, 40, "validated");
  if (e.dry_run) {
    r = 0;
    goto out;
  }
  if (canceled (&e)) {
    ow_err (ECANCELED, "canceled before any change was written");
    goto out;
  }
  if (e.plan.n == 0) {
    r = 0;
    goto out;
  }
  /* Same volume, now read-write: ow_volume_open re-checks every safety
   * condition before mounting. */
  ow_volume_close (e.vol);
  e.vol = e.ctx.vol = ow_volume_open (e.disk, e.ctx.part->start, e.ctx.part->size, OW_VOL_WRITE);
  if (e.vol == NULL || mark_started (&e) == -1)
    goto out;
  r = ow_prepare_apply (&e.ctx, &e.plan, opts);
  /* Unmounting writes what libntfs-3g still holds: its failure is the
   * job's failure. */
  if (ow_volume_close (e.vol) == -1 && r == 0)
    r = -1;
  e.vol = e.ctx.vol = NULL;
  if (r == 0)
    progress (&e, 100, "complete");

 out:
  *result = result_text (&e, r == 0 ? (e.dry_run ? "planned" : "complete") : "failed");
  {
    /* Closing may fail (flush); keep the job's own error if it had one. */
    int saved = errno;
    e.disk = NULL;          /* the caller's */
    engine_free (&e);
    errno = saved;
  }
  return r;
}

int
ow_prepare (const char *spec, const struct ow_job *job,
            const struct ow_prepare_options *opts, char **result)
{
  bool dry = (opts && opts->dry_run) || ow_job_dry_run (job);
  struct ow_disk *disk;
  int r;

  *result = NULL;
  disk = ow_disk_open (spec, dry ? OW_DISK_RDONLY : 0);
  if (disk == NULL)
    return -1;
  r = ow_prepare_disk (disk, job, opts, result);
  if (ow_disk_close (disk) == -1 && r == 0) {
    ow_err_context ("%s: closing after the job", spec);
    r = -1;
  }
  return r;
}
