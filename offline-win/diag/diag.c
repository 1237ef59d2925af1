/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ow_diagnose: find the Windows installation, read it read-only, run each
 * collector, then write the bundle.  A volume that is unsafe to write
 * (hibernated, Fast Startup, unclean journal, dirty) is still read — read
 * only, as libntfs-3g allows — and the report says its files may be older
 * than what Windows last saw; a BitLocker volume cannot be read and the
 * report says that. */
#include <stdio.h>
#include <stdlib.h>

#include "diag/diag.h"
#include "hive/hivelog.h"

static void
volume_state (struct diag *d, struct ow_volume *vol, const struct ow_partition *p,
              json_t *vj)
{
  bool safe = true;
  char *problem = NULL, *msg = NULL;

  if (ow_volume_write_safety (vol, &safe, &problem, &msg) == -1) {
    json_object_set_new (vj, "state", json_string ("unknown"));
    ow_error_clear ();
    return;
  }
  json_object_set_new (vj, "state", json_string (safe ? "clean" : problem));
  if (safe)
    return;
  d->volume_unsafe = true;
  json_object_set_new (vj, "message", json_string (msg));
  diag_finding (d, "volume-not-clean", "warning",
                json_pack ("{s:s, s:i, s:s}", "source", "volume", "partition", (int) p->number,
                           "state", problem),
                "partition %u is %s: it was read read-only as far as safe; files Windows "
                "changed last may be only in %s, so logs can end before the last boot. %s",
                p->number, problem, strcmp (problem, "hibernated") == 0 ? "hiberfil.sys" :
                "the NTFS journal", msg);
  free (problem);
  free (msg);
}

static void
look_for_bcd (struct diag *d, struct ow_volume *vol, const struct ow_partition *p)
{
  char *path;
  struct ow_hive *h;

  if (d->bcd_hive || (path = ow_path_real_case (vol, "Boot/BCD")) == NULL) {
    ow_error_clear ();
    return;
  }
  h = ow_hive_load (vol, path, 0);
  if (h) {
    d->bcd_hive = h;
    diag_bcd_read (d, h, p->number, path);
  }
  else {
    json_t *sec = json_object_get (d->report, "bcd");
    json_object_set_new (sec, "state", json_string ("unreadable"));
    json_object_set_new (sec, "error", json_string (ow_error_message ()));
    ow_error_clear ();
  }
  free (path);
}

/* The UEFI store, on the FAT EFI system partition (read whole through the
 * FAT reader, then opened as a hive from memory).  Only when no BIOS store
 * was found first: the firmware boots one or the other. */
static void
look_for_esp_bcd (struct diag *d, struct ow_disk *disk, const struct ow_partition *p)
{
  static const char path[] = "EFI/Microsoft/Boot/BCD";
  void *data = NULL;
  size_t len = 0;
  struct ow_hive *h;
  json_t *sec = json_object_get (d->report, "bcd");

  if (d->bcd_hive || ow_fat_path_exists (disk, p->start, p->size, path) != 1) {
    ow_error_clear ();
    return;
  }
  if (ow_fat_file_read (disk, p->start, p->size, path, MAX_BCD_FILE, &data, &len) == 0
      && (h = ow_hive_from_buffer (data, len, "BCD", 0)) != NULL) {
    d->bcd_hive = h;
    diag_bcd_read (d, h, p->number, path);
    json_object_set_new (sec, "filesystem", json_string ("fat"));
    return;
  }
  json_object_set_new (sec, "state", json_string ("unreadable"));
  json_object_set_new (sec, "partition", json_integer (p->number));
  json_object_set_new (sec, "path", json_sprintf ("/%s", path));
  json_object_set_new (sec, "error", json_string (ow_error_message ()));
  ow_error_clear ();
}

/* Walk the partitions: remember the first Windows volume (kept open in
 * D->w.vol), the BIOS BCD store, and what each volume is. */
static void
scan (struct diag *d, struct ow_disk *disk, const struct ow_ptable *pt, json_t *vols)
{
  size_t nwin = 0;

  for (size_t i = 0; i < pt->count; i++) {
    const struct ow_partition *p = &pt->parts[i];
    enum ow_fs_type fs = OW_FS_UNKNOWN;
    struct ow_volume *vol;
    json_t *vj;
    char **roots;

    if (p->role == OW_ROLE_EXTENDED || p->role == OW_ROLE_MSR)
      continue;
    vj = json_pack ("{s:i}", "partition", (int) p->number);
    json_array_append_new (vols, vj);
    if (ow_fs_probe (disk, p->start, p->size, &fs) == -1) {
      json_object_set_new (vj, "state", json_string ("unreadable"));
      json_object_set_new (vj, "error", json_string (ow_error_message ()));
      ow_error_clear ();
      continue;
    }
    json_object_set_new (vj, "filesystem", json_string (ow_fs_type_name (fs)));
    if (fs == OW_FS_BITLOCKER) {
      json_object_set_new (vj, "state", json_string ("bitlocker"));
      diag_finding (d, "volume-bitlocker", "error",
                    json_pack ("{s:s, s:i}", "source", "volume", "partition", (int) p->number),
                    "partition %u is BitLocker-encrypted: nothing on it can be read offline; "
                    "a cloud VM without its key (TPM of the source) stops at the BitLocker "
                    "recovery screen: decrypt it on the source (manage-bde -off C:) and "
                    "migrate again", p->number);
      continue;
    }
    if (fs == OW_FS_FAT)
      look_for_esp_bcd (d, disk, p);
    if (fs != OW_FS_NTFS)
      continue;
    vol = ow_volume_open (disk, p->start, p->size, 0);
    if (vol == NULL) {
      json_object_set_new (vj, "state", json_string ("unreadable"));
      json_object_set_new (vj, "error", json_string (ow_error_message ()));
      ow_error_clear ();
      continue;
    }
    volume_state (d, vol, p, vj);
    look_for_bcd (d, vol, p);
    roots = ow_win_find_systemroots (vol);
    for (size_t r = 0; roots && roots[r]; r++) {
      if (roots[r][0] == '\0')
        continue;
      json_object_set_new (vj, "windows", json_sprintf ("/%s", roots[r]));
      if (nwin++ == 0) {
        d->w.vol = vol;
        d->w.part = p;
        d->w.systemroot = strdup (roots[r]);
      }
    }
    ow_error_clear ();
    ow_strv_free (roots);
    if (d->w.vol != vol)
      ow_volume_close (vol);
  }
  if (nwin > 1)
    diag_finding (d, "several-windows", "warning", NULL,
                  "%zu Windows installations on one disk: the first (partition %u) is "
                  "diagnosed", nwin, d->w.part->number);
}

static void
load_hives (struct diag *d, json_t *win)
{
  json_t *hives = json_array (), *scratch = json_object ();
  char *cfg = NULL, **entries = NULL;

  if (asprintf (&cfg, "%s/System32/config", d->w.systemroot) != -1)
    entries = ow_dir_list (d->w.vol, cfg);
  ow_error_clear ();
  /* Never SAM or SECURITY: the report needs neither, and they hold secrets. */
  d->w.system = ow_win_load_hive (&d->w, "SYSTEM", entries, hives, 0);
  d->w.software = ow_win_load_hive (&d->w, "SOFTWARE", entries, hives, 0);
  ow_error_clear ();
  if (d->w.system && ow_win_system (&d->w, scratch) == -1)
    ow_error_clear ();
  json_object_set_new (win, "controlSet", d->w.control_set ? json_string (d->w.control_set)
                       : json_null ());
  json_object_set (win, "hostname", json_object_get (scratch, "hostname"));
  json_object_set_new (win, "hives", hives);
  json_decref (scratch);
  ow_strv_free (entries);
  free (cfg);
}

static json_t *
summary (json_t *findings)
{
  json_t *s = json_pack ("{s:i, s:i, s:i, s:[]}", "error", 0, "warning", 0, "info", 0, "codes");
  size_t i;
  json_t *f;

  json_array_foreach (findings, i, f) {
    const char *sev = json_string_value (json_object_get (f, "severity"));
    json_object_set_new (s, sev, json_integer (json_integer_value (json_object_get (s, sev)) + 1));
    json_array_append (json_object_get (s, "codes"), json_object_get (f, "code"));
  }
  return s;
}

int
ow_diagnose (struct ow_disk *disk, const struct ow_diag_options *opts, char **out)
{
  struct diag d = { .report = NULL };
  struct ow_ptable *pt;
  struct ow_disk_stats st;
  json_t *vols, *win;
  int r = -1;

  *out = NULL;
  /* Read-only is a promise: a disk opened for writing is refused. */
  if (!ow_disk_readonly (disk))
    return ow_err_invalid ("diagnose: %s must be opened read-only", ow_disk_spec (disk));
  pt = ow_ptable_read (disk);
  if (pt == NULL)
    return -1;
  d.report = json_object ();
  d.findings = json_array ();
  d.keys = json_array ();
  d.files = json_array ();
  d.w.problems = json_array ();
  d.w.disk = disk;
  d.w.pt = pt;
  vols = json_array ();
  win = json_object ();
  json_object_set_new (d.report, "readOnly", json_true ());
  json_object_set_new (d.report, "disk", json_pack ("{s:s, s:I}", "path", ow_disk_spec (disk),
                                                    "size", (json_int_t) ow_disk_size (disk)));
  json_object_set_new (d.report, "volumes", vols);
  json_object_set_new (d.report, "bcd", json_object ());
  json_object_set_new (d.report, "windows", win);
  scan (&d, disk, pt, vols);

  if (d.w.vol == NULL) {
    json_object_set_new (d.report, "windows", json_null ());
    diag_finding (&d, "no-windows", "error", NULL,
                  "no readable Windows installation on this disk: check that the right disk "
                  "is attached (and not an encrypted one)");
    diag_platform (&d, opts ? opts->platform : NULL);
  }
  else {
    json_object_set_new (win, "partition", json_integer (d.w.part->number));
    json_object_set_new (win, "systemRoot", json_sprintf ("/%s", d.w.systemroot));
    load_hives (&d, win);
    if (diag_platform (&d, opts ? opts->platform : NULL) == -1 || diag_registry (&d) == -1 ||
        diag_events (&d) == -1 || diag_firstboot (&d) == -1 || diag_setupapi (&d) == -1)
      goto out;
  }
  diag_bcd (&d);
  json_object_set_new (d.report, "limits", json_pack (
    "{s:I, s:I, s:i, s:I, s:I, s:I}", "evtxFileBytes", (json_int_t) DIAG_MAX_EVTX_FILE,
    "evtxRecords", (json_int_t) DIAG_MAX_EVTX_RECORDS, "eventsPerKind", DIAG_MAX_EVENTS_PER_KIND,
    "textLogTailBytes", (json_int_t) DIAG_MAX_TEXT_LOG,
    "bundleFileBytes", (json_int_t) DIAG_BUNDLE_MAX_FILE,
    "bundleTotalBytes", (json_int_t) DIAG_BUNDLE_MAX_TOTAL));
  json_object_set_new (d.report, "summary", summary (d.findings));
  json_object_set (d.report, "findings", d.findings);
  if (opts && opts->bundle && diag_bundle_write (&d, opts->bundle, opts->includes) == -1)
    goto out;
  ow_disk_get_stats (disk, &st);
  json_object_set_new (json_object_get (d.report, "disk"), "bytesRead",
                       json_integer ((json_int_t) st.bytes_read));
  *out = json_dumps (d.report, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  if (*out == NULL)
    ow_err (ENOMEM, "out of memory");
  else
    r = 0;
 out:
  ow_hive_close (d.w.system);
  ow_hive_close (d.w.software);
  ow_hive_close (d.bcd_hive);
  if (d.w.vol)
    ow_volume_close (d.w.vol);
  free (d.w.control_set);
  free (d.w.systemroot);
  json_decref (d.w.problems);
  json_decref (d.report);
  json_decref (d.findings);
  json_decref (d.keys);
  json_decref (d.files);
  ow_ptable_free (pt);
  return r;
}
