/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the hive layer: hivex types stay in here. */
#ifndef OW_HIVE_INTERNAL_H
#define OW_HIVE_INTERNAL_H

#include <hivex.h>

#include "internal.h"

struct ow_hive {
  char *name;           /* path on the volume, for messages */
  hive_h *h;
  int fd;               /* memfd holding the private copy */
  char *path;           /* /proc/self/fd/N, what hivex opened */
  void *raw;            /* the bytes as loaded: a read-only map of fd */
  size_t rawlen;
};

/* Node for a backslash-separated KEY path; 0 with errno ENOENT if absent,
 * 0 with another errno on error. */
hive_node_h ow_hive_node (struct ow_hive *hive, const char *key);

/* hive/swap.c, for a job that swaps several hives as one (prepare/journal.c,
 * docs/crash-safety.md "The job"): */
/* ow_hive_swap_in without its last step: the logs are left as they are,
 * so that the original (<HIVE>.ce-backup) can still be restored with them. */
int ow_hive_swap_stage (struct ow_volume *vol, const char *hive_path,
                        const void *data, size_t len);
/* Zero the hive's transaction logs in place if the hive is clean. */
int ow_hive_logs_neutralise (struct ow_volume *vol, const char *hive_path);
/* Undo a swap (complete or interrupted): the original <HIVE>.ce-backup takes
 * the name back, <HIVE>.ce-new, .ce-tmp and the backup name are removed.
 * Nothing to do (0) when the swap never reached its backup. */
int ow_hive_swap_rollback (struct ow_volume *vol, const char *hive_path);

#endif
