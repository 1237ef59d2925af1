/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hive access: hives are copied out of the volume into private in-memory
 * files and opened there with hivex, so reading or editing never touches
 * the volume; writing back is the job of the crash-safe swap. */
#include <fcntl.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hive-internal.h"
#include "hivelog.h"

static int
write_all (int fd, const void *buf, size_t len)
{
  const uint8_t *p = buf;

  while (len > 0) {
    ssize_t r = write (fd, p, len);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += r;
    len -= (size_t) r;
  }
  return 0;
}

/* Put LEN bytes of DATA into a private memfd and open it with hivex.  When
 * OWNED, DATA is freed as soon as the memfd holds it (before hivex makes its
 * own copy), whatever happens. */
static struct ow_hive *
open_private (void *data, size_t len, const char *name, unsigned flags, bool owned)
{
  struct ow_hive *hv = calloc (1, sizeof *hv);

  if (hv != NULL)
    hv->fd = -1;
  if (hv == NULL || (hv->name = strdup (name)) == NULL) {
    ow_err (ENOMEM, "%s: out of memory", name);
    goto fail;
  }
  /* hivex opens by file name: a memfd keeps the private copy off any disk
   * and disappears with the process. */
  hv->fd = memfd_create ("ce-hive", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (hv->fd == -1) {
    ow_err (errno, "%s: memfd_create: %m", name);
    goto fail;
  }
  if (write_all (hv->fd, data, len) == -1) {
    ow_err (errno, "%s: writing the private copy: %m", name);
    goto fail;
  }
  if (owned) {
    free (data);
    data = NULL;
  }
  /* Sealed: the map below can never change or lose pages under us (edits
   * are committed to other files). */
  if (fcntl (hv->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
      == -1) {
    ow_err (errno, "%s: sealing the private copy: %m", name);
    goto fail;
  }
  /* The bytes as loaded are the memfd's own pages, not another copy. */
  hv->rawlen = len;
  if (len > 0) {
    hv->raw = mmap (NULL, len, PROT_READ, MAP_SHARED, hv->fd, 0);
    if (hv->raw == MAP_FAILED) {
      hv->raw = NULL;
      ow_err (errno, "%s: mapping the private copy: %m", name);
      goto fail;
    }
  }
  if (asprintf (&hv->path, "/proc/self/fd/%d", hv->fd) == -1) {
    hv->path = NULL;
    ow_err (ENOMEM, "out of memory");
    goto fail;
  }
  errno = 0;
  hv->h = hivex_open (hv->path, flags & OW_HIVE_WRITE ? HIVEX_OPEN_WRITE : 0);
  if (hv->h == NULL) {
    int e = errno ? errno : EINVAL;
    ow_err (e, "%s: not a usable registry hive (hivex: %s)", name, strerror (e));
    goto fail;
  }
  ow_debug ("%s: %zu bytes loaded", name, len);
  return hv;

 fail:
  if (owned)
    free (data);
  ow_hive_close (hv);
  return NULL;
}

struct ow_hive *
ow_hive_from_memory (const void *data, size_t len, const char *name,
                     unsigned flags)
{
  return open_private ((void *) data, len, name, flags, false);
}

struct ow_hive *
ow_hive_from_buffer (void *data, size_t len, const char *name, unsigned flags)
{
  return open_private (data, len, name, flags, true);
}

struct ow_hive *
ow_hive_load (struct ow_volume *vol, const char *path, unsigned flags)
{
  void *buf = NULL;
  size_t len = 0;
  if (ow_file_read (vol, path, MAX_HIVE_SIZE, &buf, &len) == -1)
    return NULL;
  return ow_hive_from_buffer (buf, len, path, flags);
}

void
ow_hive_close (struct ow_hive *hv)
{
  if (hv == NULL)
    return;
  if (hv->h)
    hivex_close (hv->h);
  if (hv->fd >= 0)
    close (hv->fd);
  free (hv->path);
  if (hv->raw)
    munmap (hv->raw, hv->rawlen);
  free (hv->name);
  free (hv);
}

const char *
ow_hive_name (const struct ow_hive *hv)
{
  return hv->name;
}

const void *
ow_hive_raw (const struct ow_hive *hv, size_t *len)
{
  *len = hv->rawlen;
  return hv->raw;
}
