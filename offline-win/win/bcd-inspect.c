/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The boot configuration of the disk for inspect: where the BCD store is
 * (an NTFS volume's \Boot\BCD for BIOS, the EFI system partition's
 * \EFI\Microsoft\Boot\BCD for UEFI), and what it says, decoded by name
 * (bcd/store.c).  A store that cannot be read or decoded is described,
 * never fatal: the rest of the inspection stands. */
#include <stdio.h>
#include <stdlib.h>

#include "bcd/bcd.h"
#include "hive/hivelog.h"
#include "win.h"

void
ow_win_bcd_describe (json_t *loc, const void *data, size_t len, const char *read_error,
                     const struct ow_ptable *pt)
{
  struct ow_regf_header hdr;
  struct ow_hive *hv;
  json_t *store;
  const char *path = json_string_value (json_object_get (loc, "path"));

  if (read_error) {
    json_object_set_new (loc, "status", json_string ("unreadable"));
    json_object_set_new (loc, "error", json_string (read_error));
    return;
  }
  if (ow_regf_parse_header (data, len, &hdr) == 0)
    json_object_set_new (loc, "dirty", json_boolean (hdr.seq1 != hdr.seq2));
  ow_error_clear ();
  hv = ow_hive_from_memory (data, len, path ? path : "BCD", 0);
  if (hv == NULL) {
    json_object_set_new (loc, "status", json_string ("invalid"));
    json_object_set_new (loc, "error", json_sprintf ("%s is not a readable registry hive "
                                                     "(%s): rebuild it in Windows RE with "
                                                     "bcdboot", path ? path : "the BCD store",
                                                     ow_error_message ()));
    ow_error_clear ();
    return;
  }
  store = ow_bcd_store_json (hv, pt);
  ow_hive_close (hv);
  if (store == NULL)
    return;
  json_object_set_new (loc, "status", json_string (json_array_size (json_object_get (store,
                       "problems")) ? "problems" : "ok"));
  json_object_update (loc, store);
  json_decref (store);
}
