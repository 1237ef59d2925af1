/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Registry facts that explain a failed cloud boot (docs/diagnostics.md
 * names the source of each): the platform's boot storage driver and its
 * Start, class filters whose service is missing or disabled, pending
 * reboot markers, the pagefile, crash dump settings and dump files. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "diag/diag.h"

/* Service Start values (StartType in INF AddService). */
enum { START_BOOT = 0, START_SYSTEM = 1, START_AUTO = 2, START_DEMAND = 3, START_DISABLED = 4 };

static const char *
start_name (uint32_t s)
{
  static const char *const n[] = { "boot", "system", "automatic", "manual", "disabled" };
  return s < 5 ? n[s] : "unknown";
}

/* Services\NAME: 1 present (*START, or -1 without Start), 0 absent. */
static int
service (struct diag *d, const char *name, int64_t *start, char **key)
{
  char *rest = NULL;
  uint32_t v;
  int r;

  *start = -1;
  if (asprintf (&rest, "Services\\%s", name) == -1)
    return -1;
  *key = diag_cs (d, rest);
  free (rest);
  if (*key == NULL)
    return -1;
  diag_key_used (d, "SYSTEM", *key);
  r = ow_hive_key_exists (d->w.system, *key);
  if (r == 1 && ow_hive_get_dword (d->w.system, *key, "Start", &v) == 1)
    *start = v;
  ow_error_clear ();
  return r == 1;
}

static void
boot_driver (struct diag *d, json_t *sec)
{
  const char *const *drv = diag_platform_boot_drivers (d->platform);
  json_t *list = json_array ();

  json_object_set_new (sec, "bootStorage", list);
  if (drv == NULL)
    return;
  for (size_t i = 0; drv[i]; i++) {
    int64_t start;
    char *key = NULL, *sys = NULL;
    int r = service (d, drv[i], &start, &key);
    int file = 0;
    if (r == -1)
      return;
    if (asprintf (&sys, "%s/System32/drivers/%s.sys", d->w.systemroot, drv[i]) != -1)
      file = ow_path_exists (d->w.vol, sys);
    json_array_append_new (list, json_pack ("{s:s, s:b, s:o, s:s?, s:b}", "service", drv[i],
                                            "present", r == 1,
                                            "start", start >= 0 ? json_integer (start) : json_null (),
                                            "startName", start >= 0 ? start_name ((uint32_t) start) : NULL,
                                            "fileInDrivers", file == 1));
    if (r == 0)
      diag_finding (d, "boot-driver-missing", "error",
                    diag_ev_registry ("SYSTEM", key, NULL, json_string ("absent")),
                    "the boot storage driver for %s (%s) is not installed: Windows cannot reach "
                    "its disk there (stop 0x7B INACCESSIBLE_BOOT_DEVICE): run prepare with "
                    "platform \"%s\" and drivers: [an archive holding %s]",
                    diag_platform_title (d->platform), drv[i], d->platform, drv[i]);
    else if (start != START_BOOT)
      diag_finding (d, "boot-driver-not-boot-start", "error",
                    diag_ev_registry ("SYSTEM", key, "Start",
                                      start >= 0 ? json_integer (start) : json_null ()),
                    "the boot storage driver for %s (%s) is installed but Start is %s, not 0 "
                    "(boot): Windows does not load it early enough to mount its disk; run "
                    "prepare for platform \"%s\" (it sets Start 0)",
                    diag_platform_title (d->platform), drv[i],
                    start >= 0 ? start_name ((uint32_t) start) : "absent", d->platform);
    else if (file != 1)
      diag_finding (d, "boot-driver-file-missing", "error",
                    diag_ev_file (sys ? sys : drv[i], "not found"),
                    "the service of %s's boot storage driver %s is set up, but %s.sys is not in "
                    "System32\\drivers: run prepare with drivers: [an archive holding %s]",
                    diag_platform_title (d->platform), drv[i], drv[i], drv[i]);
    free (sys);
    free (key);
  }
}

/* One UpperFilters/LowerFilters list of a class key. */
static void
class_filters (struct diag *d, const char *ckey, const char *cname, const char *which,
               json_t *out)
{
  char **names = NULL;

  if (ow_hive_get_multi_string (d->w.system, ckey, which, &names) != 1) {
    ow_error_clear ();
    return;
  }
  diag_key_used (d, "SYSTEM", ckey);
  for (size_t i = 0; names[i]; i++) {
    int64_t start;
    char *skey = NULL;
    int r = service (d, names[i], &start, &skey);
    const char *state = r == 0 ? "missing" : start == START_DISABLED ? "disabled" : "ok";
    json_t *j = json_pack ("{s:s, s:s?, s:s, s:s, s:s, s:o}", "classKey", ckey, "class", cname,
                           "list", which, "service", names[i], "state", state,
                           "start", start >= 0 ? json_integer (start) : json_null ());
    json_array_append (out, j);
    if (strcmp (state, "ok") != 0) {
      json_t *ev = json_pack ("[o, o]",
                              diag_ev_registry ("SYSTEM", ckey, which, ow_json_strv (names)),
                              diag_ev_registry ("SYSTEM", skey, r ? "Start" : NULL,
                                                r ? json_integer (start) : json_string ("absent")));
      json_t *f = diag_finding (d, r == 0 ? "class-filter-missing" : "class-filter-disabled",
                                "error", ev,
                                "%s is a class %s of %s (%s) but its service is %s: Windows "
                                "cannot start any device of that class (for System devices or "
                                "disk controllers: no boot disk, stop 0x7B): remove '%s' from "
                                "%s of that class key (prepare removeSourceTools does it for "
                                "the source hypervisor's filters) or %s its service",
                                names[i], which, cname ? cname : "a device class", ckey,
                                r == 0 ? "missing" : "disabled (Start 4)", names[i], which,
                                r == 0 ? "reinstall" : "re-enable");
      json_object_set_new (f, "filter", j);
    }
    else
      json_decref (j);
    free (skey);
  }
  ow_strv_free (names);
}

static void
filters (struct diag *d, json_t *sec)
{
  char *base = diag_cs (d, "Control\\Class");
  char **classes = base ? ow_hive_subkeys (d->w.system, base) : NULL;
  json_t *out = json_array ();

  json_object_set_new (sec, "classFilters", out);
  ow_error_clear ();
  for (size_t i = 0; classes && classes[i] && i < DIAG_MAX_CLASSES; i++) {
    char *ckey = NULL, *cname = NULL;
    if (asprintf (&ckey, "%s\\%s", base, classes[i]) == -1)
      break;
    if (ow_hive_get_string (d->w.system, ckey, "Class", &cname) != 1)
      cname = NULL;
    ow_error_clear ();
    class_filters (d, ckey, cname, "UpperFilters", out);
    class_filters (d, ckey, cname, "LowerFilters", out);
    free (cname);
    free (ckey);
  }
  ow_strv_free (classes);
  free (base);
}

/* The markers virt-v2v checks before its first-boot driver installs
 * (DRIVERS.md, [V2V-CW]): Windows finishes servicing at the next boot. */
static void
pending_reboot (struct diag *d, json_t *sec)
{
  static const char *const cbs =
    "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending";
  static const char *const wu =
    "Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired";
  char *sm = diag_cs (d, "Control\\Session Manager");
  json_t *found = json_array (), *ev = json_array ();
  void *data = NULL;
  size_t len = 0;
  uint32_t type;

  if (d->w.software && ow_hive_key_exists (d->w.software, cbs) == 1) {
    json_array_append_new (found, json_string ("ComponentBasedServicing\\RebootPending"));
    json_array_append_new (ev, diag_ev_registry ("SOFTWARE", cbs, NULL, json_string ("present")));
    diag_key_used (d, "SOFTWARE", cbs);
  }
  if (d->w.software && ow_hive_key_exists (d->w.software, wu) == 1) {
    json_array_append_new (found, json_string ("WindowsUpdate\\RebootRequired"));
    json_array_append_new (ev, diag_ev_registry ("SOFTWARE", wu, NULL, json_string ("present")));
    diag_key_used (d, "SOFTWARE", wu);
  }
  if (sm && ow_hive_get_raw (d->w.system, sm, "PendingFileRenameOperations", &type, &data,
                            &len) == 1 && len > 2) {
    size_t n = 0;
    char **ops = ow_reg_decode_multi_sz (data, len, &n);
    json_array_append_new (found, json_string ("PendingFileRenameOperations"));
    json_array_append_new (ev, diag_ev_registry ("SYSTEM", sm, "PendingFileRenameOperations",
                                                 ow_json_strv (ops)));
    diag_key_used (d, "SYSTEM", sm);
    ow_strv_free (ops);
  }
  ow_error_clear ();
  free (data);
  json_object_set_new (sec, "pendingReboot", found);
  if (json_array_size (ev) > 0)
    diag_finding (d, "reboot-pending", "warning", ev,
                  "Windows has servicing or file renames pending for the next boot: that boot "
                  "is slower and may restart once; driver installs at first boot wait for it "
                  "(give the first boot time, or finish updates on the source before migrating)");
  else
    json_decref (ev);
  free (sm);
}

static void
pagefile (struct diag *d, json_t *sec)
{
  char *mm = diag_cs (d, "Control\\Session Manager\\Memory Management");
  char **files = NULL;

  if (mm == NULL)
    return;
  diag_key_used (d, "SYSTEM", mm);
  if (ow_hive_get_multi_string (d->w.system, mm, "PagingFiles", &files) != 1) {
    ow_error_clear ();
    json_object_set_new (sec, "pagingFiles", json_null ());
    free (mm);
    return;
  }
  json_object_set_new (sec, "pagingFiles", ow_json_strv (files));
  /* Only Azure sizes with a resource disk give a D: (WINDOWS.md). */
  for (size_t i = 0; files[i]; i++) {
    char l = files[i][0];
    if (l == '?' || l == 'c' || l == 'C' || files[i][1] != ':')
      continue;
    if (d->platform && strcmp (d->platform, "azure") == 0)
      continue;
    diag_finding (d, "pagefile-on-missing-disk", "warning",
                  diag_ev_registry ("SYSTEM", mm, "PagingFiles", ow_json_strv (files)),
                  "the pagefile is on %c: but %s gives no such disk by default: Windows then "
                  "runs without a pagefile (or warns at logon); prepare with pagefile "
                  "\"system\" puts it on C:", l, d->platform ? diag_platform_title (d->platform)
                  : "the target");
    break;
  }
  ow_strv_free (files);
  free (mm);
}

static json_t *
dump_file (struct diag *d, const char *path)
{
  uint64_t size = 0, mt = 0;
  char when[32];

  if (ow_file_size (d->w.vol, path, &size) == -1) {
    ow_error_clear ();
    return NULL;
  }
  if (diag_file_mtime (d->w.vol, path, &mt) == -1)
    ow_error_clear ();
  diag_filetime_text (mt, when);
  return json_pack ("{s:s+, s:I, s:s}", "path", "/", path, "size", (json_int_t) size,
                    "time", when);
}

static void
crash_dump (struct diag *d, json_t *sec)
{
  char *cc = diag_cs (d, "Control\\CrashControl"), *p = NULL, *dir = NULL;
  json_t *j = json_object (), *dumps = json_array (), *f;
  static const char *const values[] = { "CrashDumpEnabled", "AutoReboot", NULL };
  char **mini = NULL;

  json_object_set_new (sec, "crashDump", j);
  if (cc) {
    diag_key_used (d, "SYSTEM", cc);
    for (size_t i = 0; values[i]; i++) {
      uint32_t v;
      if (ow_hive_get_dword (d->w.system, cc, values[i], &v) == 1)
        json_object_set_new (j, values[i], json_integer (v));
      ow_error_clear ();
    }
  }
  if (asprintf (&p, "%s/MEMORY.DMP", d->w.systemroot) != -1 && (f = dump_file (d, p)))
    json_array_append_new (dumps, f);
  if (asprintf (&dir, "%s/Minidump", d->w.systemroot) != -1 &&
      (mini = ow_dir_list (d->w.vol, dir)) != NULL)
    for (size_t i = 0; mini[i]; i++) {
      char *m = NULL;
      if (asprintf (&m, "%s/%s", dir, mini[i]) != -1 && (f = dump_file (d, m)))
        json_array_append_new (dumps, f);
      free (m);
    }
  ow_error_clear ();
  json_object_set_new (j, "dumps", dumps);
  if (json_array_size (dumps) > 0)
    diag_finding (d, "crash-dumps", "warning", json_incref (dumps),
                  "Windows wrote crash dumps (listed with size and time; not in the bundle, "
                  "they hold memory contents): copy them from the disk and open them with "
                  "WinDbg (!analyze -v) to name the driver that crashed");
  ow_strv_free (mini);
  free (dir);
  free (p);
  free (cc);
}

int
diag_registry (struct diag *d)
{
  json_t *sec = json_object ();

  json_object_set_new (d->report, "registry", sec);
  if (d->w.system == NULL) {
    diag_finding (d, "system-hive-unusable", "error", NULL,
                  "the SYSTEM hive is missing or unusable: Windows cannot boot from this disk; "
                  "restore Windows\\System32\\config\\SYSTEM from a backup (RegBack) or the "
                  "image from a good copy");
    return 0;
  }
  json_object_set_new (sec, "controlSet", d->w.control_set ? json_string (d->w.control_set)
                       : json_null ());
  boot_driver (d, sec);
  filters (d, sec);
  pending_reboot (d, sec);
  pagefile (d, sec);
  crash_dump (d, sec);
  return 0;
}
