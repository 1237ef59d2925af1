/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal: the inspection model as a jansson document. */
#ifndef OW_INSPECT_H
#define OW_INSPECT_H

#include <jansson.h>

#include "internal.h"

/* win/inspect.c: the whole document for DISK (NULL + error if the
 * partition table cannot be read). */
json_t *ow_inspect (struct ow_disk *disk);
/* win/inspect-json.c */
json_t *ow_inspect_ptable_json (const struct ow_ptable *pt);
/* Inspect and add the "disk" section (size, sector size, bytes read). */
json_t *ow_inspect_disk (struct ow_disk *disk);

#endif
