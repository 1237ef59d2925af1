/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the names of an NTFS volume's directory
 * indexes and file records as the NTFS layer decodes them (ntfs/files.c:
 * listing, lookups; ntfs/write.c: the entry-state check that reads the
 * $FILE_NAME attributes of a record and compares them with the index
 * entry).  The input is an NTFS volume with its trailing zero bytes cut
 * off; the harness gives it back the size its boot sector claims (up to
 * MAX_VOLUME), opens it read-only and walks the first levels of the tree
 * by every path the engine uses: listing, existence, entry state, name as
 * stored, path in on-disk case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntfs/ntfs-internal.h"

#include "fuzz-volume.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MAX_VOLUME  (64u << 20)
#define MAX_DEPTH   3          /* the seed volumes are no deeper */
#define MAX_PER_DIR 64

static void
walk (struct ow_volume *v, const char *dir, int depth)
{
  char **names = ow_dir_list (v, dir);

  if (names == NULL)
    return;
  for (size_t i = 0; names[i] && i < MAX_PER_DIR; i++) {
    char *path = NULL, *s;
    if (asprintf (&path, "%s%s%s", dir, *dir ? "/" : "", names[i]) == -1)
      break;
    (void) ow_path_exists (v, path);
    (void) ow_ntfs_entry_state (v, path);
    free (ow_ntfs_stored_name (v, path));
    s = ow_path_real_case (v, path);
    free (s);
    if (depth + 1 < MAX_DEPTH && ow_path_is_dir (v, path))
      walk (v, path, depth + 1);
    free (path);
    ow_error_clear ();
  }
  ow_strv_free (names);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  uint64_t claimed = 0, vsize;
  uint8_t *buf;
  struct ow_disk *d;
  struct ow_volume *v;

  if (size >= 0x30) {
    uint64_t sectors = ow_le64 (data + 0x28);
    claimed = sectors > MAX_VOLUME ? MAX_VOLUME : sectors * ow_le16 (data + 0x0B);
  }
  buf = fuzz_pad_volume (data, size, claimed, MAX_VOLUME, &vsize);
  if (buf == NULL)
    return 0;
  d = ow_disk_open_memory (buf, vsize, 512, OW_DISK_RDONLY);
  if (d != NULL) {
    v = ow_volume_open (d, 0, vsize, 0);
    if (v != NULL) {
      walk (v, "", 0);
      /* Names the engine looks up whatever the tree holds. */
      (void) ow_ntfs_entry_state (v, "Windows/System32/config/SYSTEM");
      free (ow_path_real_case (v, "windows/system32/CONFIG"));
      ow_volume_close (v);
    }
    ow_disk_close (d);
  }
  ow_error_clear ();
  free (buf);
  return 0;
}
