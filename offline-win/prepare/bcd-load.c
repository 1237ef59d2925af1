/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The BCD store for the bcd step: the one inspect found, loaded as an
 * editable private copy when this job can write it crash-safely, that is
 * when it is a file of the Windows volume the job journal covers
 * (\Boot\BCD of a BIOS installation without System Reserved).  A store on
 * System Reserved or on the EFI system partition (FAT) is reported as not
 * writable, with the reason (docs/crash-safety.md, "The BCD store"). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hive/hivelog.h"
#include "prepare.h"
#include "win/win.h"

static int unwritable (struct ow_prep_ctx *ctx, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
static int
unwritable (struct ow_prep_ctx *ctx, const char *fmt, ...)
{
  va_list ap;
  int r;

  free (ctx->bcd_unwritable);
  va_start (ap, fmt);
  r = vasprintf (&ctx->bcd_unwritable, fmt, ap);
  va_end (ap);
  if (r == -1) {
    ctx->bcd_unwritable = NULL;
    return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

int
ow_prep_load_bcd (struct ow_prep_ctx *ctx, struct ow_disk *view)
{
  json_t *b = json_object_get (ctx->facts, "bcd");
  const char *path = json_string_value (json_object_get (b, "path"));
  const char *fs = json_string_value (json_object_get (b, "filesystem"));
  const char *status = json_string_value (json_object_get (b, "status"));
  json_int_t part = json_integer_value (json_object_get (b, "partition"));
  struct ow_regf_header hdr;
  void *data = NULL;
  size_t len = 0;

  (void) view;
  ctx->bcd_path = path ? path : "BCD";
  if (!json_is_object (b) || path == NULL)
    return unwritable (ctx, "no BCD store found on the disk");
  if (status && (strcmp (status, "invalid") == 0 || strcmp (status, "unreadable") == 0))
    return unwritable (ctx, "the BCD store cannot be read (%s)",
                       json_string_value (json_object_get (b, "error")));
  if (fs && strcmp (fs, "fat") == 0)
    return unwritable (ctx, "the BCD store %s is on the EFI system partition (FAT, partition "
                       "%" JSON_INTEGER_FORMAT "), which this version does not write", path, part);
  if (part != (json_int_t) ctx->part->number)
    return unwritable (ctx, "the BCD store %s is on partition %" JSON_INTEGER_FORMAT " (System "
                       "Reserved), not on the Windows volume the job journal covers", path, part);
  if (ow_file_read (ctx->vol, path + (*path == '/'), MAX_BCD_FILE, &data, &len) == -1)
    return -1;
  if (ow_regf_parse_header (data, len, &hdr) == 0 && hdr.seq1 != hdr.seq2) {
    free (data);
    return unwritable (ctx, "the BCD store %s was not closed cleanly (its logs are not replayed "
                       "here): boot Windows once and shut it down", path);
  }
  ow_error_clear ();
  ctx->bcd = ow_hive_from_memory (data, len, path + (*path == '/'), OW_HIVE_WRITE);
  free (data);
  if (ctx->bcd == NULL) {
    int r = unwritable (ctx, "the BCD store %s is not a usable hive (%s)", path,
                        ow_error_message ());
    ow_error_clear ();
    return r;
  }
  return 0;
}
