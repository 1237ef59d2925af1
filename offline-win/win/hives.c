/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading an installation's hives: primary file plus transaction logs,
 * state assessment, and (when the logs hold newer data) replay into the
 * private copy, so what we read is what Windows would see at boot. */
#include <stdio.h>
#include <stdlib.h>

#include "hive/hivelog.h"
#include "win.h"

#define MAX_LOGS OW_HIVE_NLOG_SUFFIXES

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
  for (size_t i = 0; ow_hive_log_suffixes[i] && l->n < MAX_LOGS; i++) {
    char *want = NULL, *path = NULL;
    const char *real;
    size_t len;

    if (asprintf (&want, "%s%s", name, ow_hive_log_suffixes[i]) == -1)
      return ow_err (ENOMEM, "out of memory");
    real = find_name (entries, want);
    free (want);
    if (real == NULL)
      continue;
    if (asprintf (&path, "%s/%s", dir, real) == -1)
      return ow_err (ENOMEM, "out of memory");
    if (ow_file_read (c->vol, path, MAX_LOG_SIZE, &l->data[l->n], &len) == -1) {
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
  if (ow_file_read (c->vol, path, MAX_HIVE_SIZE, &primary, &plen) == -1 ||
      read_logs (c, dir, entries, name, &logs, logs_json) == -1) {
    ow_win_problem (c->problems, "hive-unreadable", "%s", ow_error_message ());
    goto out;
  }
  json_object_set_new (info, "size", json_integer ((json_int_t) plen));
  if (ow_regf_parse_header (primary, plen, &hdr) == 0) {
    json_object_set_new (info, "sequence", json_pack ("[I,I]", (json_int_t) hdr.seq1,
                                                      (json_int_t) hdr.seq2));
    json_object_set_new (info, "checksumOk", json_boolean (hdr.checksum_ok));
  }
  else
    ow_error_clear ();
  /* The one validation of hive bytes (hive/hivelog.h), as hive-recover. */
  if (ow_hivelog_assess (primary, plen, logs.bufs, logs.n, &rep) == -1) {
    ow_win_problem (c->problems, "hive-unreadable", "%s: %s", path, ow_error_message ());
    goto out;
  }
  json_object_set_new (info, "state", json_string (ow_hive_state_name (rep.state)));
  json_object_set_new (info, "logFormat", json_integer (rep.log_format));
  json_object_set_new (info, "logEntries", json_integer (rep.entries));
  if (rep.reason)
    json_object_set_new (info, "reason", json_string (rep.reason));

  /* Each branch hands its buffer over, so that at most two copies of the
   * hive are in memory at once (the replay buffer and the primary while
   * replaying; then our private copy and hivex's). */
  switch (rep.state) {
  case OW_HIVE_DIRTY_RECOVERABLE:
    /* Read what Windows would read: the logs replayed over the primary. */
    free (rep.reason);
    rep.reason = NULL;
    if (ow_hivelog_replay (primary, plen, logs.bufs, logs.n, &replayed, &rlen, &rep) == -1) {
      ow_win_problem (c->problems, "hive-unrecoverable", "%s: %s", path, ow_error_message ());
      goto out;
    }
    free (primary);
    primary = NULL;
    free_logs (&logs);
    json_object_set_new (info, "view", json_string ("replayed"));
    hv = ow_hive_from_buffer (replayed, rlen, path, flags);
    replayed = NULL;
    break;
  case OW_HIVE_CORRUPT:
    ow_win_problem (c->problems, "hive-corrupt", "%s is not a usable registry hive (%s): "
                    "restore it from a backup or the image from a good copy", path,
                    rep.reason ? rep.reason : "invalid");
    goto out;
  case OW_HIVE_DIRTY_UNRECOVERABLE:
    /* The reason says what is wrong: damaged logs, or a damaged base block
     * with no log at all. */
    ow_win_problem (c->problems, "hive-unrecoverable",
                    "%s cannot be brought up to date (%s): boot Windows once and shut it "
                    "down fully, or restore the hive from a backup", path,
                    rep.reason ? rep.reason : "invalid log");
    free_logs (&logs);
    hv = ow_hive_from_buffer (primary, plen, path, 0);
    primary = NULL;
    break;
  case OW_HIVE_DIRTY_NO_LOGS:
    /* Nothing to replay: the primary is used as it is (docs/ce-offline.md,
     * "Dirty hives"); the replay check proved its hive bins intact. */
  default:
    free_logs (&logs);
    json_object_set_new (info, "view", json_string ("primary"));
    hv = ow_hive_from_buffer (primary, plen, path, flags);
    primary = NULL;
  }
  if (hv == NULL) {
    json_object_set_new (info, "state", json_string ("corrupt"));
    /* The replay check passed, hivex still refused: say so, not "clean". */
    json_object_set_new (info, "reason", json_string (ow_error_message ()));
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
