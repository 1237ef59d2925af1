/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Driver installs from the SetupAPI device log (<SystemRoot>/INF/
 * setupapi.dev.log): each install is a section
 *   >>>  [Device Install (Hardware initiated) - PCI\VEN_1AF4&DEV_1004...]
 *   >>>  Section start 2024/05/01 10:00:00.123
 *   ...
 *   <<<  Section end 2024/05/01 10:00:01.456
 *   <<<  [Exit status: SUCCESS]      or  FAILURE(0xe0000219)
 * as Windows 10 and later write it; Microsoft Learn's "Format of a Text Log
 * Section" / "... Section Footer" document the older form, also read:
 *   >>>  2005/02/13 22:06:20.000: Section start
 *   <<<  [Exit Status(0x00000000)]          (0: success)
 * pnputil's installs are sections too
 * ("DiInstallDriver", "Import Driver Package").  Only the tail of the
 * file is read (DIAG_MAX_TEXT_LOG): the newest installs are the ones a
 * migration made. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "diag/diag.h"

#define DEV_LOG "INF/setupapi.dev.log"

struct section {
  char *title, *start;
};

static char *
after (const char *line, const char *prefix)
{
  size_t n = strlen (prefix);
  return strncmp (line, prefix, n) == 0 ? (char *) line + n : NULL;
}

static json_t *
section_json (struct section *s, const char *status)
{
  bool pnputil = s->title && (strstr (s->title, "DiInstallDriver") ||
                              strstr (s->title, "Import Driver Package"));
  bool ok = strncmp (status, "SUCCESS", 7) == 0;
  return json_pack ("{s:s, s:s?, s:s, s:b, s:b}", "title", s->title ? s->title : "",
                    "start", s->start, "exitStatus", status, "ok", ok, "pnputil", pnputil);
}

static void
parse (char *text, json_t *all, json_t *failed, size_t *nall, size_t *nfailed)
{
  struct section cur = { NULL, NULL };
  char *save = NULL;

  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
    char *v;
    line[strcspn (line, "\r")] = '\0';
    if ((v = after (line, ">>>  ")) != NULL && strstr (v, "Section start")) {
      free (cur.start);
      if ((v = after (line, ">>>  Section start ")) == NULL)
        v = line + 5;
      cur.start = strndup (v, strcspn (v, "]"));
    }
    else if ((v = after (line, ">>>  [")) != NULL) {
      free (cur.title);
      free (cur.start);
      cur.start = NULL;
      cur.title = strndup (v, strcspn (v, "]"));
    }
    else if (cur.title && ((v = after (line, "<<<  [Exit status: ")) != NULL ||
                           (v = after (line, "<<<  [Exit Status(")) != NULL)) {
      bool old_form = v[-1] == '(';
      char *status = strndup (v, strcspn (v, old_form ? ")" : "]"));
      /* The older form gives a number: 0 is success. */
      if (status && strncmp (status, "0x", 2) == 0 && strtoul (status, NULL, 16) == 0) {
        free (status);
        status = strdup ("SUCCESS");
      }
      json_t *j = status ? section_json (&cur, status) : NULL;
      if (j) {
        (*nall)++;
        if (!json_is_true (json_object_get (j, "ok"))) {
          (*nfailed)++;
          json_array_append (failed, j);
          while (json_array_size (failed) > DIAG_MAX_SETUPAPI_SECTIONS)
            json_array_remove (failed, 0);
        }
        json_array_append_new (all, j);
        while (json_array_size (all) > DIAG_MAX_SETUPAPI_SECTIONS)
          json_array_remove (all, 0);
      }
      free (status);
      free (cur.title);
      free (cur.start);
      cur.title = cur.start = NULL;
    }
  }
  free (cur.title);
  free (cur.start);
}

int
diag_setupapi (struct diag *d)
{
  json_t *sec = json_object (), *all = json_array (), *failed = json_array ();
  char *want = NULL, *path = NULL;
  void *buf = NULL;
  size_t len = 0, nall = 0, nfailed = 0;
  uint64_t total = 0;

  json_object_set_new (d->report, "driverInstalls", sec);
  if (asprintf (&want, "%s/%s", d->w.systemroot, DEV_LOG) == -1 ||
      (path = ow_path_real_case (d->w.vol, want)) == NULL) {
    json_object_set_new (sec, "file", json_null ());
    json_object_set_new (sec, "state", json_string ("absent"));
    ow_error_clear ();
    goto out;
  }
  json_object_set_new (sec, "file", json_sprintf ("/%s", path));
  diag_file_note (d, path, "log");
  if (diag_file_read_tail (d->w.vol, path, DIAG_MAX_TEXT_LOG, &buf, &len, &total) == -1) {
    json_object_set_new (sec, "state", json_string ("unreadable"));
    json_object_set_new (sec, "error", json_string (ow_error_message ()));
    ow_error_clear ();
    goto out;
  }
  parse (buf, all, failed, &nall, &nfailed);
  json_object_set_new (sec, "state", json_string ("read"));
  json_object_set_new (sec, "bytesRead", json_integer ((json_int_t) len));
  json_object_set_new (sec, "fileSize", json_integer ((json_int_t) total));
  json_object_set_new (sec, "sections", json_integer ((json_int_t) nall));
  json_object_set_new (sec, "failedSections", json_integer ((json_int_t) nfailed));
  json_object_set (sec, "newest", all);
  if (nfailed > 0) {
    json_t *ev = json_array (), *s;
    size_t i;
    json_array_append_new (ev, diag_ev_file (path, "SetupAPI device log"));
    json_array_foreach (failed, i, s)
      json_array_append (ev, s);
    diag_finding (d, "driver-install-failed", "warning", ev,
                  "%zu driver install(s) in setupapi.dev.log ended in FAILURE (the newest are "
                  "listed with their exit status): a boot or network driver that failed to "
                  "install at first boot explains a VM without disk or network; check the "
                  "driver package matches the Windows version and architecture", nfailed);
  }
 out:
  json_decref (all);
  json_decref (failed);
  free (buf);
  free (path);
  free (want);
  return 0;
}
