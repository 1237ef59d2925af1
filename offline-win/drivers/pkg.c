/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A driver package as vendors ship it: an ISO9660 image (virtio-win), a
 * ZIP (AWS ENA / NVMe), a tar (plain, gzip or xz), or, for ce-offline, a
 * directory on the host.  Archives are read with libarchive, in process
 * (a filter that would run an external program is refused), into memory:
 * nothing is ever extracted to a host path.
 *
 * Open lists every entry and checks it (names, types, caps) before anyone
 * reads a byte, so a bad package is refused whole.  Decisions:
 *  - Names: '\\' is a separator (Windows zip tools write it), "." and
 *    empty components are dropped; "..", an absolute path, a drive letter
 *    or any ':' (NTFS would take it for a stream name), control
 *    characters, the characters Windows names cannot hold, names ending
 *    in '.' or ' ', DOS device names (NUL, COM1...) and invalid UTF-8 are
 *    refused, naming the entry.  Two names that differ only in ASCII case,
 *    or a file that is also another file's folder, are refused (one NTFS
 *    folder cannot hold both).
 *  - Symbolic links, devices, FIFOs and sockets are refused, never
 *    skipped: no vendor package has them, and skipping one would hide a
 *    file the INF may need.  A hard link to a file listed before it is an
 *    alias of that file (ISO writers store identical files once, and
 *    libarchive reports the later names as hard links); any other hard
 *    link is refused.
 *  - Reading an entry allocates as its data comes, never more than it
 *    declares (capped), and fails if the archive yields more (a lying
 *    ZIP header) or less (truncated).  The buffer has a NUL after the
 *    content (INF text can be parsed in place).
 * Archive entries are read forward: reading entries in package order
 * costs one pass (hard-link targets are kept as the reader passes them);
 * an earlier entry reopens the archive and walks to it, so callers read
 * the entries they need in ascending index order (docs/driver-packages.md,
 * "Cost"). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "drivers/pkg-internal.h"

#define READ_BLOCK 65536   /* libarchive's read size from the file */

struct ow_drvpkg {
  char *name;
  int fd;                  /* archive file, or -1 */
  int dirfd;               /* host directory, or -1 */
  const void *mem;         /* archive in memory (ow_drvpkg_open_mem) */
  size_t memlen;
  struct archive *a;       /* open reader, positioned after header next-1 */
  size_t next;             /* headers consumed by A */
  size_t opens;            /* times A was opened (listing included) */
  struct ow_drvpkg_entry *e;
  size_t *ordinal;         /* header number of each entry (archives) */
  ssize_t *alias;          /* entry whose content this hard link shares, or -1 */
  size_t n, cap;
  struct link { size_t i; char *target; } *links;   /* hard links to resolve */
  size_t nlinks;
  /* Content of small hard-link targets, kept as the reader passes them,
   * so reading the links needs no reopen (entry index → data or NULL). */
  bool *target;
  char **cache;
  uint64_t cache_bytes;
  size_t *sorted;          /* entry indexes in find order */
  uint64_t total;
};

/* ---- names ------------------------------------------------------------ */

/* NAME shown in a message: control bytes (and every byte >= 0x80 when
 * NAME is not UTF-8) as \xNN, a long name cut with "...". */
#define SHOWN_MAX 200   /* bytes of a name a message shows */

static char *
shown (const char *name)
{
  size_t len = strlen (name), k = 0, cut = len;
  void *u16 = ow_utf8_to_utf16le (name, NULL);
  bool utf8 = u16 != NULL;
  char *s = malloc (len * 4 + sizeof "...");

  free (u16);
  if (s == NULL)
    return NULL;
  if (len > SHOWN_MAX) {
    cut = SHOWN_MAX;
    while (cut > 0 && ((unsigned char) name[cut] & 0xC0) == 0x80)
      cut--;   /* not inside a UTF-8 sequence */
  }
  for (size_t i = 0; i < cut; i++) {
    unsigned char c = (unsigned char) name[i];
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
      k += (size_t) sprintf (s + k, "\\x%02x", c);
    else
      s[k++] = (char) c;
  }
  if (cut < len)
    k += (size_t) sprintf (s + k, "...");
  s[k] = '\0';
  return s;
}

static int __attribute__ ((format (printf, 3, 4)))
name_err (const struct ow_drvpkg *p, const char *raw, const char *fmt, ...)
{
  char *s = shown (raw), *why = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&why, fmt, ap) == -1)
    why = NULL;
  va_end (ap);
  ow_err_invalid ("driver package %s: entry \"%s\": %s", p->name, s ? s : "?",
                  why ? why : "refused");
  free (s);
  free (why);
  return -1;
}

/* The LEN bytes at NAME are a DOS device name Windows reserves in every
 * folder, with or without an extension ("NUL", "con.inf"). */
static bool
reserved_name (const char *name, size_t len)
{
  static const char *const devs[] = { "CON", "PRN", "AUX", "NUL", NULL };
  const char *dot = memchr (name, '.', len);
  size_t base = dot ? (size_t) (dot - name) : len;

  for (size_t i = 0; devs[i]; i++)
    if (base == 3 && strncasecmp (name, devs[i], 3) == 0)
      return true;
  return base == 4 && (strncasecmp (name, "COM", 3) == 0 || strncasecmp (name, "LPT", 3) == 0)
         && name[3] >= '1' && name[3] <= '9';
}

/* RAW as a clean relative '/'-separated path in *OUT ("" for the root
 * folder itself), or -1 with an error naming the entry. */
static int
clean_name (const struct ow_drvpkg *p, const char *raw, char **out)
{
  size_t len = strlen (raw), depth = 0, k = 0;
  void *u16;
  char *o;

  if (len > OW_DRVPKG_MAX_PATH_LEN)
    return name_err (p, raw, "path longer than the cap of %d bytes",
                     OW_DRVPKG_MAX_PATH_LEN);
  if (raw[0] == '/' || raw[0] == '\\')
    return name_err (p, raw, "absolute path");
  if (((raw[0] | 0x20) >= 'a' && (raw[0] | 0x20) <= 'z') && raw[1] == ':')
    return name_err (p, raw, "path with a drive letter");
  for (const unsigned char *c = (const unsigned char *) raw; *c; c++) {
    if (*c < 0x20 || *c == 0x7f)
      return name_err (p, raw, "control character in the name");
    if (*c == ':')
      return name_err (p, raw, "':' in the name (a drive letter or an NTFS stream)");
    if (strchr ("<>\"|?*", *c))
      return name_err (p, raw, "a character Windows file names cannot hold");
  }
  u16 = ow_utf8_to_utf16le (raw, NULL);
  if (u16 == NULL)
    return name_err (p, raw, "name is not valid UTF-8");
  free (u16);

  o = malloc (len + 1);
  if (o == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (size_t i = 0; i <= len;) {
    size_t j = i;
    while (j < len && raw[j] != '/' && raw[j] != '\\')
      j++;
    if (j - i == 2 && raw[i] == '.' && raw[i + 1] == '.') {
      free (o);
      return name_err (p, raw, "'..' in the path (it would leave the package)");
    }
    if (j > i && !(j - i == 1 && raw[i] == '.')
        && (raw[j - 1] == '.' || raw[j - 1] == ' ' || reserved_name (raw + i, j - i))) {
      free (o);
      return name_err (p, raw, raw[j - 1] == '.' || raw[j - 1] == ' '
                       ? "a name ending in '.' or ' ' (Windows drops them)"
                       : "a device name Windows reserves (CON, PRN, AUX, NUL, COM1-9, LPT1-9)");
    }
    if (j > i && !(j - i == 1 && raw[i] == '.')) {
      if (++depth > OW_DRVPKG_MAX_DEPTH) {
        free (o);
        return name_err (p, raw, "path deeper than the cap of %d components",
                         OW_DRVPKG_MAX_DEPTH);
      }
      if (k)
        o[k++] = '/';
      memcpy (o + k, raw + i, j - i);
      k += j - i;
    }
    i = j + 1;
  }
  o[k] = '\0';
  *out = o;
  return 0;
}

/* Path order of find: ASCII case folded, '\\' = '/'. */
static int
fold (int c)
{
  if (c == '\\')
    return '/';
  return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
fold_cmp (const char *a, const char *b)
{
  for (;; a++, b++) {
    int d = fold ((unsigned char) *a) - fold ((unsigned char) *b);
    if (d || !*a)
      return d;
  }
}

static int
sorted_cmp (const void *x, const void *y, void *arg)
{
  const struct ow_drvpkg *p = arg;
  return fold_cmp (p->e[*(const size_t *) x].path, p->e[*(const size_t *) y].path);
}

/* ---- the entry list ---------------------------------------------------- */

static int
add_entry (struct ow_drvpkg *p, char *path, uint64_t size, size_t ordinal, ssize_t alias)
{
  if (size > OW_DRVPKG_MAX_ENTRY_SIZE) {
    ow_err_set (OW_ERR_INVALID, EFBIG, "driver package %s: entry \"%s\": %" PRIu64
                " bytes, more than the cap of %" PRIu64 " bytes per file", p->name, path,
                size, OW_DRVPKG_MAX_ENTRY_SIZE);
    free (path);
    return -1;
  }
  if (alias == -1)
    p->total += size;
  if (p->total > OW_DRVPKG_MAX_TOTAL_SIZE) {
    ow_err_set (OW_ERR_INVALID, EFBIG, "driver package %s: entry \"%s\": the files add up "
                "to more than the cap of %" PRIu64 " bytes", p->name, path,
                OW_DRVPKG_MAX_TOTAL_SIZE);
    free (path);
    return -1;
  }
  if (p->n == p->cap) {
    size_t nc = p->cap ? p->cap * 2 : 64;
    struct ow_drvpkg_entry *e = realloc (p->e, nc * sizeof *e);
    size_t *o = e ? realloc (p->ordinal, nc * sizeof *o) : NULL;
    ssize_t *al = o ? realloc (p->alias, nc * sizeof *al) : NULL;

    if (e)
      p->e = e;
    if (o)
      p->ordinal = o;
    if (al == NULL) {
      free (path);
      return ow_err (ENOMEM, "out of memory");
    }
    p->alias = al;
    p->cap = nc;
  }
  p->e[p->n] = (struct ow_drvpkg_entry) { .path = path, .size = size };
  p->ordinal[p->n] = ordinal;
  p->alias[p->n] = alias;
  p->n++;
  return 0;
}

/* Each hard link becomes an alias of the file it names, which must be
 * listed before it (an earlier entry of the archive). */
static int
resolve_links (struct ow_drvpkg *p)
{
  for (size_t l = 0; l < p->nlinks; l++) {
    size_t i = p->links[l].i;
    char *target = NULL, *s;
    ssize_t k = -1;

    if (clean_name (p, p->links[l].target, &target) == 0) {
      k = ow_drvpkg_find (p, target);
      if (k >= (ssize_t) i || (k >= 0 && strcmp (p->e[k].path, target) != 0))
        k = -1;
    }
    free (target);
    if (k < 0) {
      s = shown (p->links[l].target);
      name_err (p, p->e[i].path, "hard link to \"%s\", not a file listed before it",
                s ? s : "?");
      free (s);
      return -1;
    }
    p->alias[i] = p->alias[k] >= 0 ? p->alias[k] : k;
    p->e[i].size = p->e[k].size;
    if (p->target == NULL
        && ((p->target = calloc (p->n, sizeof *p->target)) == NULL
            || (p->cache = calloc (p->n, sizeof *p->cache)) == NULL))
      return ow_err (ENOMEM, "out of memory");
    p->target[p->alias[i]] = true;
  }
  return 0;
}

/* Sort for find and refuse names that differ only in case. */
static int
index_entries (struct ow_drvpkg *p)
{
  p->sorted = malloc ((p->n ? p->n : 1) * sizeof *p->sorted);
  if (p->sorted == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (size_t i = 0; i < p->n; i++)
    p->sorted[i] = i;
  qsort_r (p->sorted, p->n, sizeof *p->sorted, sorted_cmp, p);
  for (size_t i = 1; i < p->n; i++) {
    const char *a = p->e[p->sorted[i - 1]].path, *b = p->e[p->sorted[i]].path;
    if (fold_cmp (a, b) == 0)
      return ow_err_invalid ("driver package %s: entries \"%s\" and \"%s\" have the same "
                             "name (compared case-insensitively)", p->name, a, b);
  }
  /* A file whose name is also a folder of another file ("x" and "X/y"):
   * both cannot be staged. */
  for (size_t i = 0; i < p->n; i++) {
    const char *path = p->e[i].path;
    for (const char *slash = strchr (path, '/'); slash; slash = strchr (slash + 1, '/')) {
      char *dir = strndup (path, (size_t) (slash - path));
      ssize_t k;

      if (dir == NULL)
        return ow_err (ENOMEM, "out of memory");
      k = ow_drvpkg_find (p, dir);
      free (dir);
      if (k >= 0)
        return ow_err_invalid ("driver package %s: entry \"%s\" is a file and a folder of "
                               "\"%s\" (compared case-insensitively)", p->name,
                               p->e[k].path, path);
    }
  }
  return 0;
}

ssize_t
ow_drvpkg_find (const struct ow_drvpkg *p, const char *path)
{
  size_t lo = 0, hi = p->n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = fold_cmp (path, p->e[p->sorted[mid]].path);
    if (c == 0)
      return (ssize_t) p->sorted[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return -1;
}

/* ---- archives ---------------------------------------------------------- */

static int
arc_err (const struct ow_drvpkg *p, const char *what)
{
  const char *m = p->a ? archive_error_string (p->a) : NULL;
  ow_err_invalid ("driver package %s: %s: %s", p->name, what, m ? m : "unreadable archive");
  return -1;
}

static void
arc_close (struct ow_drvpkg *p)
{
  if (p->a)
    archive_read_free (p->a);
  p->a = NULL;
  p->next = 0;
}

/* A fresh reader at the first header. */
static int
arc_open (struct ow_drvpkg *p)
{
  int r;

  arc_close (p);
  p->opens++;
  p->a = archive_read_new ();
  if (p->a == NULL)
    return ow_err (ENOMEM, "out of memory");
  /* ARCHIVE_WARN from a filter means "I would run an external program". */
  if (archive_read_support_format_iso9660 (p->a) != ARCHIVE_OK
      || archive_read_support_format_zip (p->a) != ARCHIVE_OK
      || archive_read_support_format_tar (p->a) != ARCHIVE_OK
      || archive_read_support_filter_gzip (p->a) != ARCHIVE_OK
      || archive_read_support_filter_xz (p->a) != ARCHIVE_OK) {
    arc_err (p, "libarchive lacks a built-in reader of ISO9660, ZIP, tar, gzip or xz");
    arc_close (p);
    return -1;
  }
  if (p->mem)
    r = archive_read_open_memory (p->a, p->mem, p->memlen);
  else if (lseek (p->fd, 0, SEEK_SET) == -1)
    return ow_err (errno, "driver package %s: %m", p->name);
  else
    r = archive_read_open_fd (p->a, p->fd, READ_BLOCK);
  if (r != ARCHIVE_OK) {
    arc_err (p, "not an ISO9660 image, ZIP or tar (plain, gzip or xz)");
    arc_close (p);
    return -1;
  }
  return 0;
}

/* The next header, or 1 at the end. */
static int
arc_next (struct ow_drvpkg *p, struct archive_entry **ae)
{
  int r = archive_read_next_header (p->a, ae);

  if (r == ARCHIVE_EOF)
    return 1;
  if (r < ARCHIVE_WARN) {
    /* While listing, the last file listed locates the damage. */
    char *what = NULL;
    int e = p->sorted == NULL && p->n
            ? asprintf (&what, "reading the header of entry %zu (after \"%s\")", p->next,
                        p->e[p->n - 1].path)
            : asprintf (&what, "reading the header of entry %zu", p->next);
    arc_err (p, e == -1 ? "reading a header" : what);
    free (what);
    return -1;
  }
  if ((uint64_t) archive_filter_bytes (p->a, 0) > OW_DRVPKG_MAX_STREAM)
    return ow_err_set (OW_ERR_INVALID, EFBIG, "driver package %s: the archive expands to "
                       "more than %" PRIu64 " bytes (a decompression bomb?)", p->name,
                       OW_DRVPKG_MAX_STREAM);
  p->next++;
  return 0;
}

/* Bytes of the current entry's data, read to count them (a ZIP entry
 * written as a stream may not say its size), up to the cap. */
static int
arc_count (struct ow_drvpkg *p, const char *path, uint64_t *size)
{
  char *buf = malloc (READ_BLOCK);
  la_ssize_t r;

  if (buf == NULL)
    return ow_err (ENOMEM, "out of memory");
  *size = 0;
  while ((r = archive_read_data (p->a, buf, READ_BLOCK)) > 0) {
    *size += (uint64_t) r;
    if (*size > OW_DRVPKG_MAX_ENTRY_SIZE)
      break;   /* add_entry says why */
  }
  free (buf);
  if (r < 0) {
    char what[64 + OW_DRVPKG_MAX_PATH_LEN];
    snprintf (what, sizeof what, "entry \"%s\"", path);
    return arc_err (p, what);
  }
  return 0;
}

static int
list_archive (struct ow_drvpkg *p)
{
  struct archive_entry *ae;
  int r;

  if (arc_open (p) == -1)
    return -1;
  while ((r = arc_next (p, &ae)) == 0) {
    const char *raw = archive_entry_pathname_utf8 (ae), *link;
    size_t ord = p->next - 1;
    char *path;
    uint64_t size;
    ssize_t alias = -1;

    if (raw == NULL)
      raw = archive_entry_pathname (ae);
    if (raw == NULL)
      return ow_err_invalid ("driver package %s: entry %zu has no usable name", p->name, ord);
    if (ord >= OW_DRVPKG_MAX_ENTRIES)
      return ow_err_invalid ("driver package %s: more than the cap of %d entries", p->name,
                             OW_DRVPKG_MAX_ENTRIES);
    if (clean_name (p, raw, &path) == -1)
      return -1;
    if (archive_entry_filetype (ae) == AE_IFDIR || *path == '\0') {
      free (path);
      continue;
    }
    if ((link = archive_entry_hardlink_utf8 (ae)) || (link = archive_entry_hardlink (ae))) {
      /* Resolved once every name is indexed (resolve_links). */
      struct link *l = realloc (p->links, (p->nlinks + 1) * sizeof *l);
      if (l == NULL || (l[p->nlinks].target = strdup (link)) == NULL) {
        if (l)
          p->links = l;
        free (path);
        return ow_err (ENOMEM, "out of memory");
      }
      p->links = l;
      l[p->nlinks++].i = p->n;
      alias = -2;
      size = 0;
    }
    else if (archive_entry_filetype (ae) == AE_IFLNK || archive_entry_symlink (ae)) {
      name_err (p, path, "symbolic link (refused: a package holds regular files)");
      free (path);
      return -1;
    }
    else if (archive_entry_filetype (ae) != AE_IFREG) {
      name_err (p, path, "device, FIFO or socket (refused: a package holds regular files)");
      free (path);
      return -1;
    }
    else if (archive_entry_size_is_set (ae))
      size = (uint64_t) archive_entry_size (ae);
    else if (arc_count (p, path, &size) == -1) {
      free (path);
      return -1;
    }
    if (add_entry (p, path, size, ord, alias) == -1)
      return -1;
  }
  return r == 1 ? 0 : -1;
}

/* The LEN bytes of the current entry in a new buffer *OUT (with a NUL
 * after them), making sure that is all there is (the last read also makes
 * ZIP check the CRC).  The buffer grows as the data comes, so a header
 * that declares more than the archive holds costs no more memory than
 * the archive's data. */
static int
arc_read_data (struct ow_drvpkg *p, const char *path, size_t len, char **out)
{
  size_t got = 0, cap = len < READ_BLOCK ? len + 1 : READ_BLOCK;
  char *buf = malloc (cap), *nb;
  la_ssize_t r = 1;
  char extra;

  if (buf == NULL)
    return ow_err (ENOMEM, "out of memory");
  while (got < len) {
    if (got == cap - 1) {
      cap = cap - 1 > (len + 1) / 2 ? len + 1 : cap * 2;
      nb = realloc (buf, cap);
      if (nb == NULL) {
        free (buf);
        return ow_err (ENOMEM, "out of memory");
      }
      buf = nb;
    }
    r = archive_read_data (p->a, buf + got, (cap - 1 < len ? cap - 1 : len) - got);
    if (r <= 0)
      break;
    got += (size_t) r;
  }
  if (r > 0)
    r = archive_read_data (p->a, &extra, 1);
  if (r < 0) {
    char what[64 + OW_DRVPKG_MAX_PATH_LEN];
    free (buf);
    snprintf (what, sizeof what, "entry \"%s\"", path);
    return arc_err (p, what);
  }
  if (got < len) {
    free (buf);
    return ow_err_invalid ("driver package %s: entry \"%s\": %zu of its %zu bytes "
                           "(the archive is truncated)", p->name, path, got, len);
  }
  if (r > 0) {
    free (buf);
    return ow_err_set (OW_ERR_INVALID, EFBIG, "driver package %s: entry \"%s\" yields more "
                       "than its declared %zu bytes (a decompression bomb?)", p->name,
                       path, len);
  }
  buf[len] = '\0';
  *out = buf;
  return 0;
}

/* The header AE is the one entry I was listed from. */
static int
header_is (struct ow_drvpkg *p, struct archive_entry *ae, size_t i)
{
  const char *raw = archive_entry_pathname_utf8 (ae);
  char *path;
  int same;

  if (raw == NULL)
    raw = archive_entry_pathname (ae);
  if (raw == NULL || clean_name (p, raw, &path) == -1)
    same = 0;
  else {
    same = strcmp (path, p->e[i].path) == 0;
    free (path);
  }
  if (!same)
    return ow_err_invalid ("driver package %s: entry \"%s\" changed since it was listed",
                           p->name, p->e[i].path);
  return 0;
}

/* Entry listed from header ORD, or -1 (a folder, the root). */
static ssize_t
entry_at (const struct ow_drvpkg *p, size_t ord)
{
  size_t lo = 0, hi = p->n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->ordinal[mid] == ord)
      return (ssize_t) mid;
    if (p->ordinal[mid] < ord)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static bool
cacheable (const struct ow_drvpkg *p, size_t j)
{
  return p->target && p->target[j] && p->cache[j] == NULL
         && p->e[j].size <= OW_DRVPKG_CACHE_ENTRY_SIZE
         && p->cache_bytes + p->e[j].size <= OW_DRVPKG_CACHE_TOTAL;
}

static int
arc_read (struct ow_drvpkg *p, size_t i, char **out)
{
  struct archive_entry *ae;
  size_t ord = p->ordinal[i];
  int r;

  if ((p->a == NULL || ord < p->next) && arc_open (p) == -1)
    return -1;
  for (;;) {
    ssize_t j;

    r = arc_next (p, &ae);
    if (r == 1)
      return ow_err_invalid ("driver package %s: entry \"%s\" is gone (the archive changed "
                             "since it was listed)", p->name, p->e[i].path);
    if (r == -1)
      return -1;
    if (p->next - 1 == ord)
      break;
    /* A hard-link target on the way: keep it (ordinals only grow, so
     * entries are in ordinal order). */
    j = entry_at (p, p->next - 1);
    if (j >= 0 && cacheable (p, (size_t) j)) {
      if (header_is (p, ae, (size_t) j) == -1
          || arc_read_data (p, p->e[j].path, (size_t) p->e[j].size, &p->cache[j]) == -1)
        return -1;
      p->cache_bytes += p->e[j].size;
    }
  }
  if (header_is (p, ae, i) == -1
      || arc_read_data (p, p->e[i].path, (size_t) p->e[i].size, out) == -1)
    return -1;
  if (cacheable (p, i) && (p->cache[i] = malloc ((size_t) p->e[i].size + 1)) != NULL) {
    memcpy (p->cache[i], *out, (size_t) p->e[i].size + 1);
    p->cache_bytes += p->e[i].size;
  }
  return 0;
}

/* ---- host directories (ce-offline) ----------------------------------- */

static int
walk_dir (struct ow_drvpkg *p, int parent, const char *name, const char *prefix,
          size_t *count)
{
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d;
  struct dirent *de;
  int r = 0;

  if (fd == -1)
    return ow_err (errno, "driver package %s: folder \"%s\": %m", p->name,
                   *prefix ? prefix : ".");
  d = fdopendir (fd);
  if (d == NULL) {
    close (fd);
    return ow_err (errno, "driver package %s: folder \"%s\": %m", p->name, prefix);
  }
  while (r == 0 && (errno = 0, de = readdir (d)) != NULL) {
    struct stat st;
    char *raw = NULL, *path = NULL;

    if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
      continue;
    if (asprintf (&raw, "%s%s%s", prefix, *prefix ? "/" : "", de->d_name) == -1) {
      r = ow_err (ENOMEM, "out of memory");
      break;
    }
    if (++*count > OW_DRVPKG_MAX_ENTRIES)
      r = ow_err_invalid ("driver package %s: more than the cap of %d entries", p->name,
                          OW_DRVPKG_MAX_ENTRIES);
    else if (strchr (de->d_name, '\\'))
      r = name_err (p, raw, "a character Windows file names cannot hold");
    else if (clean_name (p, raw, &path) == -1)
      r = -1;
    else if (fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
      r = ow_err (errno, "driver package %s: entry \"%s\": %m", p->name, path);
    else if (S_ISDIR (st.st_mode))
      r = walk_dir (p, dirfd (d), de->d_name, path, count);
    else if (S_ISLNK (st.st_mode))
      r = name_err (p, path, "symbolic link (refused: a package holds regular files)");
    else if (!S_ISREG (st.st_mode))
      r = name_err (p, path, "device, FIFO or socket (refused: a package holds regular files)");
    else {
      r = add_entry (p, path, (uint64_t) st.st_size, 0, -1);
      path = NULL;
    }
    free (raw);
    free (path);
  }
  if (r == 0 && errno)
    r = ow_err (errno, "driver package %s: folder \"%s\": %m", p->name, prefix);
  closedir (d);
  return r;
}

static int
path_cmp (const void *x, const void *y)
{
  return strcmp (((const struct ow_drvpkg_entry *) x)->path,
                 ((const struct ow_drvpkg_entry *) y)->path);
}

/* Open entry I below the root without following any symbolic link. */
static int
dir_open_entry (struct ow_drvpkg *p, size_t i)
{
  const char *path = p->e[i].path;
  int fd = dup (p->dirfd), e;

  while (fd != -1) {
    const char *slash = strchr (path, '/');
    char *comp = strndup (path, slash ? (size_t) (slash - path) : strlen (path));
    int nfd;

    if (comp == NULL) {
      close (fd);
      return ow_err (ENOMEM, "out of memory");
    }
    nfd = openat (fd, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
                  | (slash ? O_DIRECTORY : 0));
    e = errno;
    free (comp);
    close (fd);
    fd = nfd;
    errno = e;
    if (slash == NULL)
      return fd != -1 ? fd
             : ow_err (errno, "driver package %s: entry \"%s\": %m", p->name, p->e[i].path);
    path = slash + 1;
  }
  return ow_err (errno, "driver package %s: entry \"%s\": %m", p->name, p->e[i].path);
}

static int
dir_read (struct ow_drvpkg *p, size_t i, char **out)
{
  size_t len = (size_t) p->e[i].size, got = 0;
  int fd = dir_open_entry (p, i);
  struct stat st;
  ssize_t r = 1;
  char extra, *buf;

  if (fd == -1)
    return -1;
  if (fstat (fd, &st) == -1 || !S_ISREG (st.st_mode) || (uint64_t) st.st_size != len) {
    close (fd);
    return ow_err_invalid ("driver package %s: entry \"%s\" changed since it was listed",
                           p->name, p->e[i].path);
  }
  buf = malloc (len + 1);
  if (buf == NULL) {
    close (fd);
    return ow_err (ENOMEM, "out of memory");
  }
  while (got < len && (r = read (fd, buf + got, len - got)) > 0)
    got += (size_t) r;
  if (r > 0)
    r = read (fd, &extra, 1);
  if (r < 0) {
    int e = errno;
    close (fd);
    free (buf);
    return ow_err (e, "driver package %s: entry \"%s\": %s", p->name, p->e[i].path,
                   strerror (e));
  }
  close (fd);
  if (got < len || r > 0) {
    free (buf);
    return ow_err_invalid ("driver package %s: entry \"%s\" changed since it was listed",
                           p->name, p->e[i].path);
  }
  buf[len] = '\0';
  *out = buf;
  return 0;
}

/* ---- the API --------------------------------------------------------- */

static struct ow_drvpkg *
pkg_new (const char *name)
{
  struct ow_drvpkg *p = calloc (1, sizeof *p);

  if (p == NULL || (p->name = strdup (name)) == NULL) {
    free (p);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  p->fd = p->dirfd = -1;
  return p;
}

struct ow_drvpkg *
ow_drvpkg_open (const char *source, const char *name, bool allow_dir)
{
  struct ow_drvpkg *p = pkg_new (name ? name : source);
  struct stat st;
  size_t count = 0;
  int fd, r;

  if (p == NULL)
    return NULL;
  /* O_NONBLOCK: a FIFO put where the artifact should be must not hang us. */
  fd = open (source, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd == -1 || fstat (fd, &st) == -1) {
    ow_err (errno, "driver package %s: %s: %m", p->name, source);
    goto bad;
  }
  if (S_ISDIR (st.st_mode)) {
    if (!allow_dir) {
      ow_err_invalid ("driver package %s: %s is a folder (only an archive file is accepted "
                      "here: ISO9660, ZIP or tar)", p->name, source);
      goto bad;
    }
    p->dirfd = fd;
    fd = -1;
    r = walk_dir (p, p->dirfd, ".", "", &count);
    if (r == 0)
      qsort (p->e, p->n, sizeof *p->e, path_cmp);
  }
  else if (S_ISREG (st.st_mode)) {
    p->fd = fd;
    fd = -1;
    r = list_archive (p);
  }
  else {
    ow_err_invalid ("driver package %s: %s is neither a file nor a folder", p->name, source);
    goto bad;
  }
  if (r == -1 || index_entries (p) == -1 || resolve_links (p) == -1)
    goto bad;
  return p;
 bad:
  if (fd != -1)
    close (fd);
  ow_drvpkg_close (p);
  return NULL;
}

struct ow_drvpkg *
ow_drvpkg_open_mem (const void *buf, size_t len, const char *name)
{
  struct ow_drvpkg *p = pkg_new (name);

  if (p == NULL)
    return NULL;
  p->mem = buf;
  p->memlen = len;
  if (list_archive (p) == -1 || index_entries (p) == -1 || resolve_links (p) == -1) {
    ow_drvpkg_close (p);
    return NULL;
  }
  return p;
}

void
ow_drvpkg_close (struct ow_drvpkg *p)
{
  int saved = errno;

  if (p == NULL)
    return;
  arc_close (p);
  if (p->fd != -1)
    close (p->fd);
  if (p->dirfd != -1)
    close (p->dirfd);
  for (size_t i = 0; i < p->n; i++)
    free (p->e[i].path);
  free (p->e);
  free (p->ordinal);
  free (p->alias);
  for (size_t l = 0; l < p->nlinks; l++)
    free (p->links[l].target);
  free (p->links);
  for (size_t i = 0; p->cache && i < p->n; i++)
    free (p->cache[i]);
  free (p->cache);
  free (p->target);
  free (p->sorted);
  free (p->name);
  free (p);
  errno = saved;
}

const char *
ow_drvpkg_name (const struct ow_drvpkg *p)
{
  return p->name;
}

size_t
ow_drvpkg_opens (const struct ow_drvpkg *p)
{
  return p->opens;
}

size_t
ow_drvpkg_count (const struct ow_drvpkg *p)
{
  return p->n;
}

const struct ow_drvpkg_entry *
ow_drvpkg_entry (const struct ow_drvpkg *p, size_t i)
{
  return i < p->n ? &p->e[i] : NULL;
}

/* The buffer has one more byte, a NUL, after the content (INF text). */
int
ow_drvpkg_read (struct ow_drvpkg *p, size_t i, void **buf, size_t *len)
{
  size_t src;
  char *b = NULL;
  int r;

  if (i >= p->n)
    return ow_err (EINVAL, "driver package %s: no entry %zu", p->name, i);
  src = p->alias[i] >= 0 ? (size_t) p->alias[i] : i;
  if (p->cache && p->cache[src]) {
    b = malloc ((size_t) p->e[src].size + 1);
    if (b == NULL)
      return ow_err (ENOMEM, "out of memory");
    memcpy (b, p->cache[src], (size_t) p->e[src].size + 1);
    *buf = b;
    *len = (size_t) p->e[src].size;
    return 0;
  }
  r = p->dirfd != -1 ? dir_read (p, src, &b) : arc_read (p, src, &b);
  if (r == -1) {
    if (p->a)
      arc_close (p);   /* a reader after an error is not trusted */
    return -1;
  }
  *buf = b;
  *len = (size_t) p->e[src].size;
  return 0;
}
