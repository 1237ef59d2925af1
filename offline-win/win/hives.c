/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading an installation's hives: primary file plus transaction logs,
 * state assessment, and (when the logs hold newer data) replay into the
 * private copy, so what we read is what Windows would see at boot. */
#include <stdio.h>
#include <stdlib.h>

#include "hive/hivelog.h"
#include "win.h"

/* .LOG is the pre-Vista single log; .LOG1/.LOG2 the dual logs. */
static const char *const log_suffixes[] = { ".LOG", ".LOG1", ".LOG2", NULL };
#define MAX_LOGS 3

struct loaded {
  void *data[MAX_LOGS];
  struct ow_hivelog_buf bufs[MAX_LOGS];
  size_t n;
};

static void
free_logs (struct loaded *l)
{
  for (size_t i = 0; i < l->n; i++) {
    free (l->data[i]);
    free ((char *) l->bufs[i].name);
  }
  l->n = 0;
}

static const char *
find_name (char **entries, const char *want)
{
  for (size_t i = 0; entries && entries[i]; i++)
    if (strcasecmp (entries[i], want) == 0)
      return entries[i];
  return NULL;
}

static int
read_logs (struct ow_win_ctx *c, const char *dir, char **entries,
           const char *name, struct loaded *l, json_t *logs_json)
{
  for (size_t i = 0; log_suffixes[i]; i++) {
    char *want = NULL, *path = NULL;
    const char *real;
    size_t len;

    if (asprintf (&want, "%s%s", name, log_suffixes[i]) == -1)
      return ow_err (ENOMEM, "out of memory");
    real = find_name (entries, want);
    free (want);
    if (real == NULL)
      continue;
    if (asprintf (&path, "%s/%s", dir, real) == -1)
      return ow_err (ENOMEM, "out of memory");
    if (ow_file_read (c->vol, path, OW_MAX_HIVE_FILE, &l->data[l->n], &len) == -1) {
      free (path);
      return -1;
    }
    l->bufs[l->n].name = path;
    l->bufs[l->n].data = l->data[l->n];
    l->bufs[l->n].len = len;
    l->n++;
    json_array_append_new (logs_json, json_string (real));
  }
  return 0;
}

struct ow_hive *
ow_win_load_hive (struct ow_win_ctx *c, const char *name, char **entries,
                  json_t *hives, unsigned flags)
{
  char *dir = NULL, *path = NULL;
  const char *real;
  void *primary = NULL, *replayed = NULL;
  size_t plen = 0, rlen = 0;
  struct loaded logs = { .n = 0 };
  struct ow_hivelog_report rep = { .reason = NULL };
  struct ow_regf_header hdr;
  struct ow_hive *hv = NULL;
  json_t *info = json_object (), *logs_json = json_array ();

  json_object_set_new (info, "name", json_string (name));
  if (asprintf (&dir, "%s/System32/config", c->systemroot) == -1) {
    dir = NULL;
    goto out;
  }
  real = find_name (entries, name);
  if (real == NULL) {
    json_object_set_new (info, "present", json_false ());
    goto out;
  }
  if (asprintf (&path, "%s/%s", dir, real) == -1) {
    path = NULL;
    goto out;
  }
  json_object_set_new (info, "present", json_true ());
  json_object_set_new (info, "path", json_string (path));
  if (ow_file_read (c->vol, path, OW_MAX_HIVE_FILE, &primary, &plen) == -1 ||
      read_logs (c, dir, entries, name, &logs, logs_json) == -1) {
    ow_win_problem (c->problems, "hive-unreadable", "%s", ow_error_message ());
    goto out;
  }
  json_object_set_new (info, "size", json_integer ((json_int_t) plen));
  if (ow_regf_parse_header (primary, plen, &hdr) == -1) {
    json_object_set_new (info, "state", json_string ("corrupt"));
    ow_win_problem (c->problems, "hive-corrupt", "%s is not a registry hive (%s): restore "
                    "the image from a good copy", path, ow_error_message ());
    goto out;
  }
  json_object_set_new (info, "sequence", json_pack ("[I,I]", (json_int_t) hdr.seq1,
                                                    (json_int_t) hdr.seq2));
  json_object_set_new (info, "checksumOk", json_boolean (hdr.checksum_ok));
  if (ow_hivelog_assess (primary, plen, logs.bufs, logs.n, &rep) == -1) {
    ow_win_problem (c->problems, "hive-unreadable", "%s: %s", path, ow_error_message ());
    goto out;
  }
  json_object_set_new (info, "state", json_string (ow_hive_state_name (rep.state)));
  json_object_set_new (info, "logFormat", json_integer (rep.log_format));
  json_object_set_new (info, "logEntries", json_integer (rep.entries));
  if (rep.reason)
    json_object_set_new (info, "reason", json_string (rep.reason));

  switch (rep.state) {
  case OW_HIVE_DIRTY_RECOVERABLE:
    /* Read what Windows would read: the logs replayed over the primary. */
    free (rep.reason);
    rep.reason = NULL;
    if (ow_hivelog_replay (primary, plen, logs.bufs, logs.n, &replayed, &rlen, &rep) == -1) {
      ow_win_problem (c->problems, "hive-unrecoverable", "%s: %s", path, ow_error_message ());
      goto out;
    }
    json_object_set_new (info, "view", json_string ("replayed"));
    hv = ow_hive_from_memory (replayed, rlen, path, flags);
    break;
  case OW_HIVE_DIRTY_UNRECOVERABLE:
    ow_win_problem (c->problems, "hive-unrecoverable",
                    "%s: its transaction logs cannot be replayed (%s): boot Windows once and "
                    "shut it down fully so it folds them in", path,
                    rep.reason ? rep.reason : "invalid log");
    hv = ow_hive_from_memory (primary, plen, path, 0);
    break;
  case OW_HIVE_DIRTY_NO_LOGS:
    /* Nothing to replay: Windows itself would use the primary as it is. */
  default:
    json_object_set_new (info, "view", json_string ("primary"));
    hv = ow_hive_from_memory (primary, plen, path, flags);
  }
  if (hv == NULL) {
    json_object_set_new (info, "state", json_string ("corrupt"));
    ow_win_problem (c->problems, "hive-corrupt", "%s", ow_error_message ());
  }

 out:
  json_object_set_new (info, "logs", logs_json);
  json_array_append_new (hives, info);
  free (rep.reason);
  free_logs (&logs);
  free (primary);
  free (replayed);
  free (path);
  free (dir);
  return hv;
}
