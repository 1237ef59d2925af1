/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The System event log: the boots it saw and the events that explain a
 * boot that failed or a machine that came up broken.  Event kinds and
 * their meaning: docs/diagnostics.md (each with its Microsoft source). */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "diag/diag.h"

#define SYSTEM_EVTX "System32/winevt/Logs/System.evtx"
#define MAX_IDS 8
#define MAX_SOURCES 3
/* Boot start times listed (EventLog 6005, "the event log service was started"). */
#define MAX_BOOTS 10

struct kind {
  const char *code, *severity;
  const char *sources[MAX_SOURCES];
  uint16_t ids[MAX_IDS];        /* 0-terminated; none: any id */
  bool problems_only;           /* only levels critical, error, warning */
  const char *hint;
};

static const struct kind kinds[] = {
  { "unexpected-shutdown", "error", { "Microsoft-Windows-Kernel-Power", "EventLog" }, { 41, 6008 },
    false, "Windows stopped without a clean shutdown (Kernel-Power 41, EventLog 6008): a boot "
    "that hung or crashed was reset.  Look at the bug checks and the drivers that did not load "
    "around the same time; on a cloud, read the serial console / boot diagnostics screenshot" },
  { "bugcheck", "error", { "BugCheck", "Microsoft-Windows-WER-SystemErrorReporting" }, { 1001 },
    false, NULL },
  { "boot-drivers-not-loaded", "error", { "Service Control Manager" }, { 7026 },
    false, "boot-start or system-start drivers did not load (Service Control Manager 7026; the "
    "names are in the event): a source hypervisor's driver there is harmless once its device is "
    "gone, the target's storage or a class filter there is not: see the registry findings" },
  { "service-failed", "warning", { "Service Control Manager" },
    { 7000, 7001, 7009, 7011, 7023, 7034 }, false,
    "services failed to start, timed out or stopped unexpectedly (Service Control Manager "
    "7000/7001/7009/7011/7023/7034): check the named services; a source hypervisor's tools "
    "fail this way on a cloud and should be removed (prepare removeSourceTools)" },
  { "disk-errors", "error", { "disk" }, { 7, 11, 51, 153 }, false,
    "the disk driver logged bad blocks, controller errors, paging errors or retried I/O (disk "
    "7/11/51/153): check the virtual disk and the storage driver for the platform" },
  { "ntfs-errors", "warning", { "Ntfs", "Microsoft-Windows-Ntfs" }, { 55, 98, 137 }, true,
    "NTFS reported corruption or a failed repair (Ntfs 55/98/137): run chkdsk /f on the volume "
    "(in a helper VM) before preparing again" },
  { "netlogon-errors", "warning", { "NETLOGON" }, { 0 }, true,
    "Netlogon could not reach a domain controller or the machine account failed: expected on a "
    "cloud without the on-premises domain; unjoin (prepare domainUnjoin) or give the VM a line "
    "of sight to a domain controller" },
  { "time-errors", "warning", { "Microsoft-Windows-Time-Service" }, { 0 }, true,
    "the Windows time service could not synchronise: after an unjoin there is no domain time "
    "source; configure NTP for the platform (the cloud's time server)" },
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

struct collect {
  const char *path;
  json_t *newest[NKINDS];       /* arrays of evidence, oldest first, capped */
  size_t count[NKINDS];
  json_t *boots;                /* times of EventLog 6005, capped to the newest */
};

static bool
kind_matches (const struct kind *k, const struct diag_event *ev)
{
  bool src = false, id = k->ids[0] == 0;

  for (size_t i = 0; i < MAX_SOURCES && k->sources[i]; i++)
    src |= strcasecmp (k->sources[i], ev->source) == 0;
  for (size_t i = 0; i < MAX_IDS && k->ids[i]; i++)
    id |= k->ids[i] == ev->event_id;
  if (k->problems_only && (ev->level < 1 || ev->level > 3))
    return false;
  return src && id;
}

static const char *
level_name (uint8_t l)
{
  static const char *const n[] = { "unknown", "critical", "error", "warning", "information",
                                    "verbose" };
  return l < sizeof n / sizeof n[0] ? n[l] : "unknown";
}

static json_t *
event_json (const char *path, const struct diag_event *ev)
{
  char when[32];
  json_t *strings = json_array ();

  diag_filetime_text (ev->written, when);
  for (size_t i = 0; i < ev->nstrings; i++)
    json_array_append_new (strings, json_string (ev->strings[i]));
  return json_pack ("{s:s, s:s+, s:I, s:i, s:s, s:s, s:s, s:o}", "source", "evtx",
                    "file", "/", path, "recordId", (json_int_t) ev->record_id,
                    "eventId", (int) ev->event_id, "provider", ev->source,
                    "level", level_name (ev->level), "time", when, "strings", strings);
}

static void
push_capped (json_t *arr, json_t *item, size_t cap)
{
  json_array_append_new (arr, item);
  while (json_array_size (arr) > cap)
    json_array_remove (arr, 0);
}

static bool
is_boot (const struct diag_event *ev)
{
  return ev->event_id == 6005 && strcasecmp (ev->source, "EventLog") == 0;
}

static bool
wanted (void *opaque, const struct diag_event *ev)
{
  (void) opaque;
  if (is_boot (ev))
    return true;
  for (size_t k = 0; k < NKINDS; k++)
    if (kind_matches (&kinds[k], ev))
      return true;
  return false;
}

static int
on_event (void *opaque, const struct diag_event *ev)
{
  struct collect *c = opaque;

  if (is_boot (ev)) {
    char when[32];
    diag_filetime_text (ev->written, when);
    push_capped (c->boots, json_string (when), MAX_BOOTS);
  }
  for (size_t k = 0; k < NKINDS; k++)
    if (kind_matches (&kinds[k], ev)) {
      json_t *j = event_json (c->path, ev);
      if (j == NULL)
        return -1;
      c->count[k]++;
      push_capped (c->newest[k], j, DIAG_MAX_EVENTS_PER_KIND);
      break;
    }
  return 0;
}

/* "0x0000007b (0x..., ...)" -> 0x7b; 0 if unreadable. */
static unsigned long
stop_code (json_t *ev)
{
  const char *s = json_string_value (json_array_get (json_object_get (ev, "strings"), 0));
  return s ? strtoul (s, NULL, 16) : 0;
}

static const char *
stop_name (unsigned long code)
{
  switch (code) {
  case 0x7b: return "INACCESSIBLE_BOOT_DEVICE";
  case 0x7e: return "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED";
  case 0x3b: return "SYSTEM_SERVICE_EXCEPTION";
  case 0xd1: return "DRIVER_IRQL_NOT_LESS_OR_EQUAL";
  case 0x50: return "PAGE_FAULT_IN_NONPAGED_AREA";
  case 0xef: return "CRITICAL_PROCESS_DIED";
  case 0xc000021a: return "STATUS_SYSTEM_PROCESS_TERMINATED";
  default: return NULL;
  }
}

static void
add_findings (struct diag *d, struct collect *c)
{
  for (size_t k = 0; k < NKINDS; k++) {
    json_t *f;
    if (c->count[k] == 0)
      continue;
    if (strcmp (kinds[k].code, "bugcheck") == 0) {
      json_t *last = json_array_get (c->newest[k], json_array_size (c->newest[k]) - 1);
      unsigned long code = stop_code (last);
      const char *name = stop_name (code);
      f = diag_finding (d, kinds[k].code, kinds[k].severity, json_incref (c->newest[k]),
                        "Windows crashed (BugCheck 1001), last with stop code 0x%08lx%s%s%s: %s",
                        code, name ? " (" : "", name ? name : "", name ? ")" : "",
                        code == 0x7b ? "the boot disk was not reachable: the boot storage "
                        "driver for the platform is missing or disabled, or a class filter "
                        "that cannot load stops the storage stack (see the registry findings)"
                        : "open MEMORY.DMP or the minidumps (listed under crashDump) with "
                        "WinDbg to name the driver");
      json_object_set_new (f, "stopCode", json_sprintf ("0x%08lx", code));
    }
    else
      f = diag_finding (d, kinds[k].code, kinds[k].severity, json_incref (c->newest[k]),
                        "%s", kinds[k].hint);
    json_object_set_new (f, "count", json_integer ((json_int_t) c->count[k]));
  }
}

int
diag_events (struct diag *d)
{
  struct collect c = { .boots = json_array () };
  char *want = NULL, *path = NULL;
  void *buf = NULL;
  size_t len = 0, nrec = 0;
  json_t *sec = json_object (), *counts = json_object ();

  for (size_t k = 0; k < NKINDS; k++)
    c.newest[k] = json_array ();
  json_object_set_new (d->report, "events", sec);
  if (asprintf (&want, "%s/%s", d->w.systemroot, SYSTEM_EVTX) == -1)
    goto out;
  path = ow_path_real_case (d->w.vol, want);
  if (path == NULL) {
    json_object_set_new (sec, "file", json_null ());
    json_object_set_new (sec, "state", json_string ("absent"));
    diag_finding (d, "event-log-absent", "info", diag_ev_file (want, "not found"),
                  "there is no System event log: the image never booted (or its logs were "
                  "cleared), so there are no boot records to read");
    goto out;
  }
  c.path = path;
  json_object_set_new (sec, "file", json_sprintf ("/%s", path));
  diag_file_note (d, path, "evtx");
  if (ow_file_read (d->w.vol, path, DIAG_MAX_EVTX_FILE, &buf, &len) == -1 ||
      ow_diag_evtx_read (buf, len, DIAG_MAX_EVTX_RECORDS, wanted, on_event, &c, &nrec) == -1) {
    json_object_set_new (sec, "state", json_string ("unreadable"));
    json_object_set_new (sec, "error", json_string (ow_error_message ()));
    diag_finding (d, "event-log-unreadable", "warning", diag_ev_file (path, ow_error_message ()),
                  "the System event log could not be read (%s): it is in the bundle; open it "
                  "in Event Viewer on any Windows machine", ow_error_message ());
    ow_error_clear ();
    goto out;
  }
  json_object_set_new (sec, "state", json_string ("read"));
  json_object_set_new (sec, "records", json_integer ((json_int_t) nrec));
  json_object_set_new (sec, "boots", json_incref (c.boots));
  for (size_t k = 0; k < NKINDS; k++)
    json_object_set_new (counts, kinds[k].code, json_integer ((json_int_t) c.count[k]));
  json_object_set (sec, "counts", counts);
  add_findings (d, &c);
 out:
  json_decref (counts);
  json_decref (c.boots);
  for (size_t k = 0; k < NKINDS; k++)
    json_decref (c.newest[k]);
  free (buf);
  free (path);
  free (want);
  return 0;
}
