/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing files and directories on an NTFS volume through libntfs-3g.
 *
 * libntfs-3g has no rename and no journal: every change here is built from
 * create, hard link and delete, ordered so that a name we care about only
 * ever points at complete content (docs/crash-safety.md).  libntfs-3g
 * writes each change through to the device when the inode is closed, so
 * the order of the calls below is the order of the writes on the disk. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ntfs-internal.h"      /* first: libntfs-3g header order */

#include <ntfs-3g/index.h>

/* NTFS names are at most 255 UTF-16 code units. */
#define MAX_NAME_UNITS 255
/* Bytes moved per libntfs-3g write (and per read from a host fd). */
#define WRITE_CHUNK (4u * 1024 * 1024)
#define TMP_SUFFIX ".ce-tmp"

/* ---- error helpers ---- */

/* Run cleanup after a failure without losing the first error. */
struct saved_err { enum ow_error_class cls; int e; char *msg; };

static void
err_save (struct saved_err *s)
{
  s->cls = ow_error_class ();
  s->e = ow_error_errno ();
  s->msg = strdup (ow_error_message ());
}

static void
err_restore (struct saved_err *s)
{
  ow_err_set (s->cls ? s->cls : OW_ERR_FAILED, s->e ? s->e : EIO, "%s",
              s->msg ? s->msg : "out of memory");
  free (s->msg);
  s->msg = NULL;
}

static int
need_write (struct ow_volume *v, const char *path)
{
  if (!v->write)
    return ow_err (EROFS, "%s: the volume is open read-only", path);
  return 0;
}

/* ---- inodes ---- */

static void
drop_dirty (ntfs_inode *ni)
{
  s32 i;

  NInoClearDirty (ni);
  NInoAttrListClearDirty (ni);
  for (i = 0; i < ni->nr_extents; i++) {
    NInoClearDirty (ni->extent_nis[i]);
    NInoAttrListClearDirty (ni->extent_nis[i]);
  }
}

int
ow_ntfs_close (ntfs_inode *ni, const char *what)
{
  int e;

  if (ni == NULL)
    return 0;
  /* Written back here rather than by ntfs_inode_close: when its write-back
   * fails, ntfs_inode_close retries it and, if the retry succeeds (a
   * transient error), frees the inode yet returns -1 — closing it again
   * would be a double free. */
  if ((!NInoDirty (ni) && !NInoAttrListDirty (ni)) || ntfs_inode_sync (ni) == 0)
    return ntfs_inode_close (ni) == 0 ? 0 :
      ow_err (errno ? errno : EIO, "%s: closing the file record failed: %m", what);
  e = errno ? errno : EIO;
  drop_dirty (ni);
  ntfs_inode_close (ni);
  return ow_err (e, "%s: writing the file record failed: %s", what, strerror (e));
}

/* Close NI after a change of its names or content, updating the copy of
 * its sizes and times in *DIRP's index.
 *
 * On failure *DIRP may have been closed by libntfs-3g: when the index
 * lookup in ntfs_inode_sync_file_name fails (an EIO reading an index
 * block), it closes the directory even though the caller passed it in and
 * still owns it (its other failure paths check for that; libntfs-3g
 * 2022.10.3, inode.c).  That path leaves NI's FILE_NAME dirty again, so
 * then *DIRP is set to NULL and the caller must not close it: at worst a
 * directory inode stays allocated on a failed job, never a use after free. */
static int
close_in_dir (ntfs_inode *ni, ntfs_inode **dirp, const char *what)
{
  int e;

  if (ntfs_inode_close_in_dir (ni, *dirp) == 0)
    return 0;
  e = errno ? errno : EIO;
  if (NInoFileNameDirty (ni))
    *dirp = NULL;
  drop_dirty (ni);
  NInoFileNameClearDirty (ni);
  ntfs_inode_close (ni);
  return ow_err (e, "%s: writing the file record failed: %s", what, strerror (e));
}

/* ---- paths and names ---- */

struct split {
  char *parent;   /* "" for the root */
  char *leaf;
};

static void
split_free (struct split *s)
{
  free (s->parent);
  free (s->leaf);
}

static int
split_path (const char *path, struct split *s)
{
  size_t len;
  const char *end, *slash;

  s->parent = s->leaf = NULL;
  while (*path == '/')
    path++;
  len = strlen (path);
  while (len > 0 && path[len - 1] == '/')
    len--;
  if (len == 0)
    return ow_err_invalid ("the volume root has no name to write");
  end = path + len;
  for (slash = end; slash > path && slash[-1] != '/'; slash--)
    ;
  s->leaf = strndup (slash, (size_t) (end - slash));
  s->parent = strndup (path, slash > path ? (size_t) (slash - 1 - path) : 0);
  if (s->leaf == NULL || s->parent == NULL) {
    split_free (s);
    return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

/* A name Windows can open: no control characters, none of <>:"/\|?*, not
 * "." or "..", no trailing dot or space. */
static int
check_new_name (const char *name, const char *path)
{
  size_t n = strlen (name);
  const unsigned char *p;

  if (n == 0 || strcmp (name, ".") == 0 || strcmp (name, "..") == 0 ||
      name[n - 1] == '.' || name[n - 1] == ' ')
    return ow_err_invalid ("%s: '%s' is not a valid Windows file name", path, name);
  for (p = (const unsigned char *) name; *p; p++)
    if (*p < 0x20 || strchr ("<>:\"\\|?*", *p) != NULL)
      return ow_err_invalid ("%s: '%s' has a character Windows does not allow in names",
                             path, name);
  return 0;
}

static int
to_ucs (const char *name, const char *path, ntfschar **u)
{
  int n;

  *u = NULL;
  n = ntfs_mbstoucs (name, u);
  if (n < 0)
    return ow_err (errno ? errno : EILSEQ, "%s: cannot encode '%s' as UTF-16", path, name);
  if (n == 0 || n > MAX_NAME_UNITS) {
    free (*u);
    *u = NULL;
    return ow_err_invalid ("%s: name '%s' is empty or longer than %d UTF-16 units",
                           path, name, MAX_NAME_UNITS);
  }
  return n;
}

static ntfs_inode *
open_dir (struct ow_volume *v, const char *dirpath, const char *path)
{
  ntfs_inode *dir = ow_ntfs_lookup (v, dirpath);

  if (dir == NULL) {
    ow_err (errno, "%s: parent directory '%s': %m", path, dirpath);
    return NULL;
  }
  if (!(dir->mrec->flags & MFT_RECORD_IS_DIRECTORY)) {
    ntfs_inode_close (dir);
    ow_err (ENOTDIR, "%s: '%s' is not a directory", path, dirpath);
    return NULL;
  }
  return dir;
}

/* An entry of DIR matching a name case-insensitively, as stored. */
struct entry {
  const ntfschar *want;
  int want_len;
  const ntfschar *upcase;
  u32 upcase_len;
  bool found;
  ntfschar *name;       /* stored name (malloc'd) */
  int name_len;
  MFT_REF mref;
  unsigned dt_type;
};

static int
match_entry (void *data, const ntfschar *name, const int name_len,
             const int name_type, const s64 pos, const MFT_REF mref,
             const unsigned dt_type)
{
  struct entry *e = data;

  (void) pos;
  /* A DOS alias names the same file as its long name: match long names. */
  if (name_type == FILE_NAME_DOS || e->found)
    return 0;
  if (!ntfs_names_are_equal (name, (size_t) name_len, e->want, (size_t) e->want_len,
                             IGNORE_CASE, e->upcase, e->upcase_len))
    return 0;
  e->name = malloc ((size_t) name_len * sizeof (ntfschar));
  if (e->name == NULL)
    return -1;
  memcpy (e->name, name, (size_t) name_len * sizeof (ntfschar));
  e->name_len = name_len;
  e->mref = mref;
  e->dt_type = dt_type;
  e->found = true;
  return 0;
}

/* 1 found (E filled, free E->name), 0 absent, -1 error. */
static int
find_entry (ntfs_inode *dir, const char *leaf, const char *path, struct entry *e)
{
  ntfschar *u = NULL;
  s64 pos = 0;
  int n, r;

  memset (e, 0, sizeof *e);
  n = to_ucs (leaf, path, &u);
  if (n < 0)
    return -1;
  e->want = u;
  e->want_len = n;
  e->upcase = dir->vol->upcase;
  e->upcase_len = dir->vol->upcase_len;
  /* Case-sensitive mode hands names over as stored (see files.c). */
  NVolSetCaseSensitive (dir->vol);
  r = ntfs_readdir (dir, &pos, e, match_entry);
  NVolClearCaseSensitive (dir->vol);
  free (u);
  e->want = NULL;
  if (r != 0 && !e->found) {
    free (e->name);
    e->name = NULL;
    return ow_err (errno ? errno : EIO, "%s: reading the parent directory: %m", path);
  }
  if (e->found && e->name == NULL)
    return ow_err (ENOMEM, "out of memory");
  return e->found ? 1 : 0;
}


/* Does NI carry the name NAME (as stored) in directory DIR?  1 yes, 0 no,
 * -1 error (errno set). */
static int
inode_has_name (ntfs_inode *ni, ntfs_inode *dir, const ntfschar *name, int len)
{
  ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx (ni, NULL);
  bool found = false;
  int r;

  if (ctx == NULL)
    return -1;
  errno = 0;
  while (!found && (r = ntfs_attr_lookup (AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0,
                                          NULL, 0, ctx)) == 0) {
    const ATTR_RECORD *a = ctx->attr;
    const FILE_NAME_ATTR *fn;
    if (a->non_resident ||
        le16_to_cpu (a->value_offset) + sizeof *fn > le32_to_cpu (a->length))
      continue;
    fn = (const FILE_NAME_ATTR *) ((const u8 *) a + le16_to_cpu (a->value_offset));
    if (le16_to_cpu (a->value_offset) + sizeof *fn + fn->file_name_length * sizeof (ntfschar) >
        le32_to_cpu (a->length))
      continue;
    found = MREF_LE (fn->parent_directory) == dir->mft_no &&
            fn->file_name_length == len &&
            memcmp (fn->file_name, name, (size_t) len * sizeof (ntfschar)) == 0;
  }
  /* The search ends with ENOENT when every name was seen; anything else
   * (a record that cannot be read, no memory) is not an answer. */
  r = found || errno == ENOENT ? (int) found : -1;
  ntfs_attr_put_search_ctx (ctx);
  return r;
}

/* What the MFT record an entry points at says about the entry. */
enum record_state {
  REC_FREE,             /* never used, or not in use: the entry is stale */
  REC_IN_USE,           /* in use and intact: open it and look at its names */
  REC_DAMAGED,          /* unreadable as a record: not provably ours */
};

/* An MFT record's update sequence array is whole (no torn sector). */
static bool
record_fixups_intact (const u8 *r, u32 size)
{
  u16 usa_ofs = le16_to_cpu (*(const le16 *) (r + 4));
  u16 usa_count = le16_to_cpu (*(const le16 *) (r + 6));
  u16 usn;

  if (usa_count != size / NTFS_BLOCK_SIZE + 1 || usa_ofs < 8 || (usa_ofs & 1) ||
      (u32) usa_ofs + 2u * usa_count > size)
    return false;
  usn = le16_to_cpu (*(const le16 *) (r + usa_ofs));
  for (u32 i = 1; i < usa_count; i++)
    if (le16_to_cpu (*(const le16 *) (r + i * NTFS_BLOCK_SIZE - 2)) != usn)
      return false;
  return true;
}

/* Read the raw MFT record MFT_NO (no fixups applied, no libntfs-3g
 * checks) and classify it.  -1 when the device cannot read it: a read
 * error is never evidence of a change of ours. */
static int
record_state (ntfs_volume *vol, u64 mft_no, enum record_state *st)
{
  u32 size = vol->mft_record_size;
  s64 pos = (s64) mft_no * size, got;
  u8 *buf;
  bool zero = true;

  if (pos >= vol->mft_na->initialized_size) {
    /* Past the part of $MFT ever written: the record was never used. */
    *st = REC_FREE;
    return 0;
  }
  buf = malloc (size);
  if (buf == NULL) {
    errno = ENOMEM;
    return -1;
  }
  errno = 0;
  got = ntfs_attr_pread (vol->mft_na, pos, size, buf);
  if (got != (s64) size) {
    if (got >= 0 || errno == 0)
      errno = EIO;
    free (buf);
    return -1;
  }
  for (u32 i = 0; i < size && zero; i++)
    zero = buf[i] == 0;
  if (zero)
    *st = REC_FREE;
  else if (memcmp (buf, "FILE", 4) != 0 || !record_fixups_intact (buf, size))
    *st = REC_DAMAGED;
  else
    *st = le16_to_cpu (((const MFT_RECORD *) buf)->flags) & le16_to_cpu (MFT_RECORD_IN_USE)
          ? REC_IN_USE : REC_FREE;
  free (buf);
  return 0;
}

/* Open the inode of entry E of DIR.  NULL with *BROKEN set when the entry
 * is provably left over from an interrupted change of ours: libntfs-3g
 * does not journal, so a power cut between the index write and the file
 * record write leaves an entry whose record is not in use (never
 * written, or freed), or in use, intact and not carrying the name.
 * NULL with *BROKEN clear and the error set for anything else: a read
 * error, no memory, a damaged record, a record that carries the name but
 * will not open.  Those are never "repaired" (docs/crash-safety.md). */
static ntfs_inode *
open_entry (ntfs_inode *dir, const struct entry *e, const char *path, bool *broken)
{
  ntfs_volume *vol = dir->vol;
  enum record_state st;
  ntfs_inode *ni;
  u16 seq;
  int has;

  *broken = false;
  if (record_state (vol, MREF (e->mref), &st) == -1) {
    ow_err (errno, "%s: reading MFT record %llu: %s", path,
            (unsigned long long) MREF (e->mref), strerror (errno));
    return NULL;
  }
  if (st == REC_DAMAGED) {
    ow_err_unsafe (EIO, "%s: MFT record %llu is damaged: run chkdsk /f in Windows", path,
                   (unsigned long long) MREF (e->mref));
    return NULL;
  }
  if (st == REC_FREE) {
    *broken = true;
    return NULL;
  }
  /* In use and intact: open it whatever its sequence number (a record
   * freed and reused by another file has a newer one) and look at its names. */
  errno = 0;
  ni = ntfs_inode_open (vol, MREF (e->mref));
  if (ni == NULL) {
    ow_err (errno ? errno : EIO, "%s: cannot open MFT record %llu: %s", path,
            (unsigned long long) MREF (e->mref), strerror (errno ? errno : EIO));
    return NULL;
  }
  seq = le16_to_cpu (ni->mrec->sequence_number);
  has = inode_has_name (ni, dir, e->name, e->name_len);
  if (has == -1) {
    int err = errno ? errno : EIO;
    ntfs_inode_close (ni);
    ow_err (err, "%s: reading the names of MFT record %llu: %s", path,
            (unsigned long long) MREF (e->mref), strerror (err));
    return NULL;
  }
  if (has == 0) {
    ntfs_inode_close (ni);
    *broken = true;
    return NULL;
  }
  if (MSEQNO (e->mref) != 0 && MSEQNO (e->mref) != seq) {
    ntfs_inode_close (ni);
    ow_err_unsafe (EIO, "%s: the directory entry and MFT record %llu disagree (sequence "
                   "%u, record %u): run chkdsk /f in Windows", path,
                   (unsigned long long) MREF (e->mref), (unsigned) MSEQNO (e->mref),
                   (unsigned) seq);
    return NULL;
  }
  return ni;
}

/* Remove just the index entry E from DIR (its inode is unusable). */
static int
remove_index_entry (ntfs_inode *dir, const struct entry *e, const char *path)
{
  size_t keylen = sizeof (FILE_NAME_ATTR) + (size_t) e->name_len * sizeof (ntfschar);
  FILE_NAME_ATTR *key = calloc (1, keylen);
  ntfs_index_context *icx = NULL;
  int r = -1;

  if (key == NULL)
    return ow_err (ENOMEM, "out of memory");
  key->parent_directory = MK_LE_MREF (dir->mft_no, le16_to_cpu (dir->mrec->sequence_number));
  key->file_name_length = (u8) e->name_len;
  key->file_name_type = FILE_NAME_POSIX;
  memcpy (key->file_name, e->name, (size_t) e->name_len * sizeof (ntfschar));
  icx = ntfs_index_ctx_get (dir, NTFS_INDEX_I30, 4);
  if (icx == NULL) {
    ow_err (errno, "%s: cannot read the directory index: %m", path);
    goto out;
  }
  if (ntfs_index_lookup (key, (int) keylen, icx) != 0) {
    ow_err (errno ? errno : ENOENT, "%s: broken entry not found in the index: %m", path);
    goto out;
  }
  if (ntfs_index_rm (icx) != 0) {
    ow_err (errno ? errno : EIO, "%s: cannot remove the broken entry: %m", path);
    goto out;
  }
  ntfs_inode_mark_dirty (dir);
  r = 0;
 out:
  if (icx != NULL)
    ntfs_index_ctx_put (icx);
  free (key);
  return r;
}

int
ow_ntfs_entry_state (struct ow_volume *v, const char *path)
{
  struct split s;
  struct entry e = { 0 };
  ntfs_inode *dir, *ni;
  bool broken;
  int r = -1;

  if (split_path (path, &s) == -1)
    return -1;
  dir = ow_ntfs_lookup (v, s.parent);
  if (dir == NULL) {
    r = errno == ENOENT ? 0 : ow_err (errno, "%s: %m", s.parent);
    goto out;
  }
  r = find_entry (dir, s.leaf, path, &e);
  if (r == 1) {
    ni = open_entry (dir, &e, path, &broken);
    if (ni != NULL)
      ntfs_inode_close (ni);
    else
      r = broken ? 2 : -1;
  }
  ntfs_inode_close (dir);
 out:
  free (e.name);
  split_free (&s);
  return r;
}

int
ow_ntfs_present (struct ow_volume *v, const char *path)
{
  int s = ow_ntfs_entry_state (v, path);

  if (s == 2) {
    if (ow_ntfs_unlink (v, path) == -1 || ow_volume_sync (v) == -1)
      return -1;
    ow_debug ("%s: removed a broken directory entry", path);
    return 0;
  }
  return s;
}


/* Does DIR's index hold the name FN? */
static int
index_has (ntfs_inode *dir, const FILE_NAME_ATTR *fn)
{
  ntfs_index_context *icx = ntfs_index_ctx_get (dir, NTFS_INDEX_I30, 4);
  size_t keylen = sizeof *fn + fn->file_name_length * sizeof (ntfschar);
  int r;

  if (icx == NULL)
    return -1;
  errno = 0;
  r = ntfs_index_lookup (fn, (int) keylen, icx) == 0 ? 1 : errno == ENOENT ? 0 : -1;
  ntfs_index_ctx_put (icx);
  return r;
}

/* Remove from NI the names in DIR that DIR's index does not hold.  A power
 * cut between the two writes of a name removal leaves one; libntfs-3g
 * then fails every later change of the inode (it updates each name's
 * index entry).  Returns how many were removed, or -1. */
static int
drop_orphan_names (ntfs_inode *ni, ntfs_inode *dir, const char *path)
{
  int removed = 0;
  bool again = true;

  while (again) {
    ntfs_attr_search_ctx *ctx = ntfs_attr_get_search_ctx (ni, NULL);
    again = false;
    if (ctx == NULL)
      return ow_err (errno, "%s: %m", path);
    while (ntfs_attr_lookup (AT_FILE_NAME, AT_UNNAMED, 0, CASE_SENSITIVE, 0, NULL, 0, ctx) == 0) {
      const ATTR_RECORD *a = ctx->attr;
      const FILE_NAME_ATTR *fn;
      int has;
      if (a->non_resident ||
          le16_to_cpu (a->value_offset) + sizeof *fn > le32_to_cpu (a->length))
        continue;
      fn = (const FILE_NAME_ATTR *) ((const u8 *) a + le16_to_cpu (a->value_offset));
      if (MREF_LE (fn->parent_directory) != dir->mft_no)
        continue;
      has = index_has (dir, fn);
      if (has == -1) {
        ntfs_attr_put_search_ctx (ctx);
        return ow_err (errno ? errno : EIO, "%s: reading the directory index: %m", path);
      }
      if (has == 1)
        continue;
      if (ntfs_attr_record_rm (ctx) != 0) {
        ntfs_attr_put_search_ctx (ctx);
        return ow_err (errno ? errno : EIO, "%s: cannot drop a stale name: %m", path);
      }
      if (le16_to_cpu (ni->mrec->link_count) > 1)
        ni->mrec->link_count = cpu_to_le16 (le16_to_cpu (ni->mrec->link_count) - 1);
      ntfs_inode_mark_dirty (ni);
      removed++;
      again = true;     /* the search context is stale after a removal */
      break;
    }
    ntfs_attr_put_search_ctx (ctx);
  }
  if (removed > 0) {
    ow_debug ("%s: dropped %d name(s) missing from the directory index", path, removed);
    if (ntfs_inode_sync (ni) != 0)
      return ow_err (errno ? errno : EIO, "%s: writing the file record: %m", path);
  }
  return removed;
}

/* Add the name U to NI in DIR, in the order that survives a power cut:
 * the file record gains the name (and link count) first, then the index
 * gets the entry.  ntfs_link does the index first, which a cut turns into
 * an entry pointing at a record that does not know the name. */
static int
link_ordered (ntfs_inode *ni, ntfs_inode *dir, const ntfschar *u, int n, const char *path)
{
  size_t size = sizeof (FILE_NAME_ATTR) + (size_t) n * sizeof (ntfschar);
  FILE_NAME_ATTR *fn = calloc (1, size);
  bool fn_dirty = false;
  int r = -1;

  if (fn == NULL)
    return ow_err (ENOMEM, "out of memory");
  fn->parent_directory = MK_LE_MREF (dir->mft_no, le16_to_cpu (dir->mrec->sequence_number));
  fn->creation_time = ni->creation_time;
  fn->last_data_change_time = ni->last_data_change_time;
  fn->last_mft_change_time = ni->last_mft_change_time;
  fn->last_access_time = ni->last_access_time;
  fn->allocated_size = cpu_to_sle64 (ni->allocated_size);
  fn->data_size = cpu_to_sle64 (ni->data_size);
  fn->file_attributes = ni->flags;
  fn->file_name_length = (u8) n;
  fn->file_name_type = FILE_NAME_POSIX;
  memcpy (fn->file_name, u, (size_t) n * sizeof (ntfschar));
  if (ntfs_attr_add (ni, AT_FILE_NAME, AT_UNNAMED, 0, (u8 *) fn, (s64) size) != 0) {
    ow_err (errno ? errno : EIO, "%s: cannot add the name to the file record: %m", path);
    goto out;
  }
  ni->mrec->link_count = cpu_to_le16 (le16_to_cpu (ni->mrec->link_count) + 1);
  ntfs_inode_mark_dirty (ni);
  /* Adding the name may have made the data non-resident (a full record),
   * which marks the sizes in every name's index entry for update; the new
   * name has no index entry yet, so that update waits for the close. */
  fn_dirty = NInoFileNameTestAndClearDirty (ni);
  if (ntfs_inode_sync (ni) != 0) {
    ow_err (errno ? errno : EIO, "%s: writing the file record: %m", path);
    goto out;
  }
  if (ntfs_index_add_filename (dir, fn, MK_MREF (ni->mft_no,
                                                 le16_to_cpu (ni->mrec->sequence_number))) != 0) {
    ow_err (errno ? errno : EIO, "%s: cannot add the directory entry: %m", path);
    goto out;
  }
  r = 0;
 out:
  if (fn_dirty)
    NInoFileNameSetDirty (ni);
  free (fn);
  return r;
}

char *
ow_ntfs_stored_name (struct ow_volume *v, const char *path)
{
  struct split s;
  struct entry e;
  ntfs_inode *dir;
  char *out = NULL;
  int r;

  if (split_path (path, &s) == -1)
    return NULL;
  dir = open_dir (v, s.parent, path);
  if (dir == NULL)
    goto out;
  r = find_entry (dir, s.leaf, path, &e);
  ntfs_inode_close (dir);
  if (r == 0)
    ow_err (ENOENT, "%s: no such file or directory", path);
  if (r == 1 && ntfs_ucstombs (e.name, e.name_len, &out, 0) < 0) {
    out = NULL;
    ow_err (errno ? errno : EILSEQ, "%s: stored name is not valid UTF-16", path);
  }
  if (r == 1)
    free (e.name);
 out:
  split_free (&s);
  return out;
}

/* ---- the building blocks ---- */

static int
write_content (ntfs_inode *ni, const struct ow_write_src *src, const char *path)
{
  ntfs_attr *na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  uint8_t *buf = NULL;
  uint64_t pos = 0;
  int r = -1;

  if (na == NULL)
    return ow_err (errno, "%s: cannot open the data stream: %m", path);
  if (src->len > (uint64_t) INT64_MAX) {
    ow_err (EFBIG, "%s: %" PRIu64 " bytes is too large", path, src->len);
    goto out;
  }
  /* Reserving the whole size first lets libntfs-3g allocate the clusters
   * in one run instead of growing the file chunk by chunk. */
  if (src->len > 0 && ntfs_attr_truncate (na, (s64) src->len) != 0) {
    ow_err (errno, "%s: cannot allocate %" PRIu64 " bytes: %m", path, src->len);
    goto out;
  }
  if (src->data == NULL && src->len > 0 &&
      (buf = malloc (src->len < WRITE_CHUNK ? (size_t) src->len : WRITE_CHUNK)) == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  while (pos < src->len) {
    size_t n = src->len - pos < WRITE_CHUNK ? (size_t) (src->len - pos) : WRITE_CHUNK;
    const uint8_t *p;
    s64 w;

    if (src->data != NULL)
      p = (const uint8_t *) src->data + pos;
    else {
      size_t got = 0;
      while (got < n) {
        ssize_t rd = read (src->fd, buf + got, n - got);
        if (rd == -1 && errno == EINTR)
          continue;
        if (rd <= 0) {
          ow_err (rd == 0 ? EIO : errno, "%s: reading the source at byte %" PRIu64 ": %s",
                  path, pos + got, rd == 0 ? "unexpected end of input" : strerror (errno));
          goto out;
        }
        got += (size_t) rd;
      }
      p = buf;
    }
    w = ntfs_attr_pwrite (na, (s64) pos, (s64) n, p);
    if (w != (s64) n) {
      ow_err (w < 0 ? errno : EIO, "%s: write failed at byte %" PRIu64 ": %s", path, pos,
              w < 0 ? strerror (errno) : "short write");
      goto out;
    }
    pos += n;
  }
  r = 0;
 out:
  free (buf);
  ntfs_attr_close (na);
  return r;
}

int
ow_ntfs_create_file (struct ow_volume *v, const char *path,
                     const struct ow_write_src *src, unsigned flags,
                     const char *sd_from)
{
  struct split s;
  struct entry e;
  ntfs_inode *dir = NULL, *ni = NULL, *from;
  ntfschar *u = NULL;
  void *sd = NULL;
  size_t sdlen = 0;
  int n, r = -1;
  bool created = false;

  if (need_write (v, path) == -1 || split_path (path, &s) == -1)
    return -1;
  if (check_new_name (s.leaf, path) == -1 || (n = to_ucs (s.leaf, path, &u)) < 0)
    goto out;
  if (sd_from != NULL) {
    from = ow_ntfs_lookup (v, sd_from);
    if (from == NULL) {
      ow_err (errno, "%s: %m", sd_from);
      goto out;
    }
    sd = ow_ntfs_get_sd (v, from, &sdlen);
    ntfs_inode_close (from);
    if (sd == NULL) {
      ow_err_context ("%s", sd_from);
      goto out;
    }
  } else if ((sd = ow_ntfs_build_sd (flags, false, &sdlen)) == NULL)
    goto out;
  if ((dir = open_dir (v, s.parent, path)) == NULL)
    goto out;
  switch (find_entry (dir, s.leaf, path, &e)) {
  case -1: goto out;
  case 1:
    free (e.name);
    ow_err (EEXIST, "%s: already exists", path);
    goto out;
  }
  errno = 0;
  ni = ntfs_create (dir, 0, u, (u8) n, S_IFREG);
  if (ni == NULL) {
    ow_err (errno ? errno : EIO, "%s: cannot create: %s", path, strerror (errno ? errno : EIO));
    goto out;
  }
  created = true;
  if (ow_ntfs_set_sd (v, ni, sd, sdlen) == -1) {
    ow_err_context ("%s", path);
    goto out;
  }
  if (write_content (ni, src, path) == -1)
    goto out;
  r = close_in_dir (ni, &dir, path);
  ni = NULL;
 out:
  if (ni != NULL)
    ow_ntfs_close (ni, path);
  if (dir != NULL)
    ow_ntfs_close (dir, s.parent);
  if (r == -1 && created) {
    struct saved_err se;
    err_save (&se);
    if (ow_ntfs_unlink (v, path) == -1)
      ow_debug ("%s: could not remove the partial file: %s", path, ow_error_message ());
    err_restore (&se);
  }
  free (u);
  free (sd);
  split_free (&s);
  return r;
}

int
ow_ntfs_link (struct ow_volume *v, const char *existing, const char *newpath)
{
  struct split s;
  struct entry e;
  ntfs_inode *dir = NULL, *ni = NULL;
  ntfschar *u = NULL;
  int n, r = -1;

  if (need_write (v, newpath) == -1 || split_path (newpath, &s) == -1)
    return -1;
  if (check_new_name (s.leaf, newpath) == -1 || (n = to_ucs (s.leaf, newpath, &u)) < 0)
    goto out;
  if ((dir = open_dir (v, s.parent, newpath)) == NULL)
    goto out;
  switch (find_entry (dir, s.leaf, newpath, &e)) {
  case -1: goto out;
  case 1:
    free (e.name);
    ow_err (EEXIST, "%s: already exists", newpath);
    goto out;
  }
  ni = ow_ntfs_lookup (v, existing);
  if (ni == NULL) {
    ow_err (errno, "%s: %m", existing);
    goto out;
  }
  if (ni->mft_no == dir->mft_no || (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY)) {
    ow_err (EPERM, "%s: directories cannot be hard-linked", existing);
    goto out;
  }
  if (drop_orphan_names (ni, dir, existing) == -1)
    goto out;
  if (link_ordered (ni, dir, u, n, newpath) == -1) {
    ow_err_context ("linking %s", existing);
    goto out;
  }
  r = ow_ntfs_close (ni, newpath);
  ni = NULL;
 out:
  if (ni != NULL)
    ow_ntfs_close (ni, existing);
  if (dir != NULL && ow_ntfs_close (dir, s.parent) == -1)
    r = -1;
  free (u);
  split_free (&s);
  return r;
}

int
ow_ntfs_unlink (struct ow_volume *v, const char *path)
{
  struct split s;
  struct entry e = { 0 };
  ntfs_inode *dir = NULL, *ni = NULL;
  int r = -1;

  if (need_write (v, path) == -1 || split_path (path, &s) == -1)
    return -1;
  if ((dir = open_dir (v, s.parent, path)) == NULL)
    goto out;
  switch (find_entry (dir, s.leaf, path, &e)) {
  case -1: goto out;
  case 0:
    ow_err (ENOENT, "%s: no such file or directory", path);
    goto out;
  }
  if (MREF (e.mref) < FILE_first_user) {
    ow_err (EPERM, "%s: NTFS system files are never removed", path);
    goto out;
  }
  {
    bool broken;
    ni = open_entry (dir, &e, path, &broken);
    if (ni == NULL && broken) {
      ow_debug ("%s: removing a broken directory entry", path);
      r = remove_index_entry (dir, &e, path);
      if (ow_ntfs_close (dir, s.parent) == -1)
        r = -1;
      dir = NULL;
      goto out;
    }
    if (ni == NULL)
      goto out;         /* not provably ours: never removed */
  }
  if ((ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) && ntfs_check_empty_dir (ni) != 0) {
    ow_err (errno == ENOTEMPTY ? ENOTEMPTY : errno, "%s: directory is not empty", path);
    goto out;
  }
  if (drop_orphan_names (ni, dir, path) == -1)
    goto out;
  /* ntfs_delete closes both inodes, whatever happens; a NULL path makes
   * it forget every cached path of the inode. */
  errno = 0;
  r = ntfs_delete (v->vol, NULL, ni, dir, e.name, (u8) e.name_len);
  ni = dir = NULL;
  if (r != 0)
    r = ow_err (errno ? errno : EIO, "%s: cannot remove: %s", path,
                strerror (errno ? errno : EIO));
 out:
  if (ni != NULL)
    ntfs_inode_close (ni);
  if (dir != NULL)
    ntfs_inode_close (dir);
  free (e.name);
  split_free (&s);
  return r;
}

int
ow_ntfs_same_file (struct ow_volume *v, const char *a, const char *b)
{
  ntfs_inode *na = ow_ntfs_lookup (v, a), *nb;
  int r;

  if (na == NULL)
    return errno == ENOENT ? 0 : ow_err (errno, "%s: %m", a);
  nb = ow_ntfs_lookup (v, b);
  if (nb == NULL) {
    ntfs_inode_close (na);
    return errno == ENOENT ? 0 : ow_err (errno, "%s: %m", b);
  }
  r = na->mft_no == nb->mft_no;
  ntfs_inode_close (na);
  ntfs_inode_close (nb);
  return r;
}

int
ow_ntfs_zero_data (struct ow_volume *v, const char *path, bool *changed)
{
  ntfs_inode *ni;
  ntfs_attr *na = NULL;
  uint8_t *buf = NULL, *zero = NULL;
  s64 pos = 0;
  int r = -1;

  *changed = false;
  if (need_write (v, path) == -1)
    return -1;
  ni = ow_ntfs_lookup (v, path);
  if (ni == NULL)
    return ow_err (errno, "%s: %m", path);
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL) {
    ow_err (errno, "%s: cannot open the data stream: %m", path);
    goto out;
  }
  if ((buf = malloc (WRITE_CHUNK)) == NULL || (zero = calloc (1, WRITE_CHUNK)) == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  /* Only chunks holding something are written: re-running is a no-op. */
  while (pos < na->data_size) {
    s64 n = na->data_size - pos < WRITE_CHUNK ? na->data_size - pos : WRITE_CHUNK;
    s64 got = ntfs_attr_pread (na, pos, n, buf);
    if (got != n) {
      ow_err (got < 0 ? errno : EIO, "%s: read failed at %" PRId64, path, (int64_t) pos);
      goto out;
    }
    if (memcmp (buf, zero, (size_t) n) != 0) {
      if (ntfs_attr_pwrite (na, pos, n, zero) != n) {
        ow_err (errno ? errno : EIO, "%s: write failed at %" PRId64 ": %s", path,
                (int64_t) pos, strerror (errno ? errno : EIO));
        goto out;
      }
      *changed = true;
    }
    pos += n;
  }
  r = 0;
 out:
  free (buf);
  free (zero);
  if (na != NULL)
    ntfs_attr_close (na);
  if (ow_ntfs_close (ni, path) == -1)
    r = -1;
  return r;
}

/* ---- public API ---- */

static int
file_write (struct ow_volume *v, const char *path, const struct ow_write_src *src,
            unsigned flags)
{
  struct split s;
  struct entry e = { 0 };
  ntfs_inode *dir;
  char *tmp = NULL, *final = NULL, *stored = NULL;
  int found, r = -1;

  if (need_write (v, path) == -1 || split_path (path, &s) == -1)
    return -1;
  if ((dir = open_dir (v, s.parent, path)) == NULL)
    goto out;
  found = find_entry (dir, s.leaf, path, &e);
  ntfs_inode_close (dir);
  if (found == -1)
    goto out;
  if (found == 1) {
    if (e.dt_type == NTFS_DT_DIR) {
      ow_err (EISDIR, "%s: is a directory", path);
      goto out;
    }
    if (ntfs_ucstombs (e.name, e.name_len, &stored, 0) < 0) {
      stored = NULL;
      ow_err (errno ? errno : EILSEQ, "%s: stored name is not valid UTF-16", path);
      goto out;
    }
  } else if (check_new_name (s.leaf, path) == -1)
    goto out;
  /* A replaced file keeps its stored name; a new one gets the given case. */
  if (asprintf (&final, "%s%s%s", s.parent, *s.parent ? "/" : "", stored ? stored : s.leaf) == -1 ||
      asprintf (&tmp, "%s%s", final, TMP_SUFFIX) == -1) {
    final = tmp = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  /* A .ce-tmp is only ever an unfinished write of ours. */
  if ((found = ow_ntfs_entry_state (v, tmp)) == -1 ||
      (found > 0 && ow_ntfs_unlink (v, tmp) == -1))
    goto out;
  found = stored != NULL;
  if (ow_ntfs_create_file (v, tmp, src, flags, NULL) == -1)
    goto out;
  /* PATH may be missing between these steps, never partial. */
  if (found == 1 && ow_ntfs_unlink (v, final) == -1)
    goto out;
  if (ow_ntfs_link (v, tmp, final) == -1 || ow_ntfs_unlink (v, tmp) == -1)
    goto out;
  r = 0;
  ow_debug ("%s: %" PRIu64 " bytes written%s", final, src->len,
            flags & OW_WRITE_PROTECTED ? " (protected)" : "");
 out:
  free (e.name);
  free (stored);
  free (final);
  free (tmp);
  split_free (&s);
  return r;
}

int
ow_file_write (struct ow_volume *v, const char *path, const void *data, size_t len,
               unsigned flags)
{
  struct ow_write_src src = { .data = data ? data : "", .fd = -1, .len = len };

  if (data == NULL && len > 0)
    return ow_err_invalid ("%s: no data", path);
  return file_write (v, path, &src, flags);
}

int
ow_file_write_fd (struct ow_volume *v, const char *path, int fd, uint64_t len,
                  unsigned flags)
{
  struct ow_write_src src = { .data = NULL, .fd = fd, .len = len };

  if (fd < 0)
    return ow_err_invalid ("%s: bad source file descriptor", path);
  return file_write (v, path, &src, flags);
}

int
ow_path_delete (struct ow_volume *v, const char *path)
{
  return ow_ntfs_unlink (v, path);
}

static int
make_dir (struct ow_volume *v, ntfs_inode **parent, const char *name, const char *path,
          unsigned flags)
{
  ntfschar *u = NULL;
  void *sd = NULL;
  size_t sdlen;
  ntfs_inode *ni;
  int n, r = -1;

  if (check_new_name (name, path) == -1 || (n = to_ucs (name, path, &u)) < 0)
    return -1;
  if ((sd = ow_ntfs_build_sd (flags, true, &sdlen)) == NULL)
    goto out;
  errno = 0;
  ni = ntfs_create (*parent, 0, u, (u8) n, S_IFDIR);
  if (ni == NULL) {
    ow_err (errno ? errno : EIO, "%s: cannot create directory: %s", path,
            strerror (errno ? errno : EIO));
    goto out;
  }
  if (ow_ntfs_set_sd (v, ni, sd, sdlen) == -1) {
    ow_err_context ("%s", path);
    close_in_dir (ni, parent, path);
    goto out;
  }
  r = close_in_dir (ni, parent, path);
 out:
  free (u);
  free (sd);
  return r;
}

int
ow_dir_create (struct ow_volume *v, const char *path, unsigned flags)
{
  char *copy = strdup (path), *save = NULL, *comp;
  char *sofar = NULL;
  int r = -1;

  if (copy == NULL)
    return ow_err (ENOMEM, "out of memory");
  if (need_write (v, path) == -1)
    goto out;
  for (comp = strtok_r (copy, "/", &save); comp; comp = strtok_r (NULL, "/", &save)) {
    ntfs_inode *parent, *ni;
    char *prefix = sofar ? strdup (sofar) : strdup ("");
    char *next = NULL;

    if (prefix == NULL || asprintf (&next, "%s%s%s", prefix, *prefix ? "/" : "", comp) == -1) {
      free (prefix);
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
    free (sofar);
    sofar = next;
    ni = ow_ntfs_lookup (v, sofar);
    if (ni != NULL) {
      bool dir = ni->mrec->flags & MFT_RECORD_IS_DIRECTORY;
      ntfs_inode_close (ni);
      free (prefix);
      if (!dir) {
        ow_err (ENOTDIR, "%s: '%s' exists and is not a directory", path, sofar);
        goto out;
      }
      continue;
    }
    if (errno != ENOENT) {
      int e = errno, st;
      /* A directory entry left by an interrupted mkdir names nothing:
       * drop it and create the directory again.  Only an entry proven
       * stale (ow_ntfs_entry_state 2) is dropped: a read error on an
       * existing directory (ProgramData...) fails the job instead. */
      st = ow_ntfs_entry_state (v, sofar);
      if (st != 2 || ow_ntfs_unlink (v, sofar) == -1) {
        free (prefix);
        if (st != -1 && st != 2)
          ow_err (e, "%s: %s", sofar, strerror (e));
        goto out;
      }
    }
    parent = open_dir (v, prefix, path);
    free (prefix);
    if (parent == NULL)
      goto out;
    if (make_dir (v, &parent, comp, sofar, flags) == -1) {
      if (parent != NULL)
        ntfs_inode_close (parent);
      goto out;
    }
    if (ow_ntfs_close (parent, path) == -1)
      goto out;
  }
  r = 0;
 out:
  free (sofar);
  free (copy);
  return r;
}

int
ow_volume_sync (struct ow_volume *v)
{
  ntfs_volume *nv = v->vol;
  ntfs_inode *sys[] = { nv->mft_ni, nv->mftmirr_ni, nv->lcnbmp_ni };
  size_t i;

  if (!v->write)
    return 0;
  /* Records of $MFT, $MFTMirr and $Bitmap change when they grow and are
   * otherwise only written at unmount. */
  for (i = 0; i < sizeof sys / sizeof sys[0]; i++)
    if (sys[i] != NULL && (NInoDirty (sys[i]) || NInoAttrListDirty (sys[i])) &&
        ntfs_inode_sync (sys[i]) != 0)
      return ow_err (errno ? errno : EIO, "NTFS volume at offset %" PRIu64
                     ": writing system file records: %s", v->start,
                     strerror (errno ? errno : EIO));
  if (nv->dev->d_ops->sync (nv->dev) != 0)
    return ow_err (errno ? errno : EIO, "NTFS volume at offset %" PRIu64 ": flush: %s",
                   v->start, strerror (errno ? errno : EIO));
  return 0;
}
