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

#endif
