/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Disk backend for NBD URIs, in user space through libnbd (the host
 * kernel may have no nbd module). */
#ifdef OW_NO_NBD
/* The appliance build: its disks are attached block devices, and libnbd
 * would pull libxml2 and ICU into the initramfs (docs/APPLIANCE.md), so an
 * NBD URI is refused instead of linking libnbd. */
#include "internal.h"

struct ow_disk *
ow_disk_open_nbd (const char *uri, unsigned flags)
{
  (void) flags;
  ow_err (ENOTSUP, "%s: this build has no NBD support", uri);
  return NULL;
}
#else
#include <inttypes.h>
#include <libnbd.h>
#include <stdlib.h>

#include "internal.h"

/* Requests larger than this are split: servers commonly cap a request at
 * 32 MiB and libnbd refuses more than 64 MiB. */
#define NBD_MAX_REQUEST (16u * 1024 * 1024)

static int
nbd_error_to_errno (void)
{
  int e = nbd_get_errno ();
  return e ? e : EIO;
}

static int
nbdb_pread (void *h, void *buf, size_t count, uint64_t off)
{
  uint8_t *p = buf;

  while (count > 0) {
    size_t n = count < NBD_MAX_REQUEST ? count : NBD_MAX_REQUEST;
    if (nbd_pread (h, p, n, off, 0) == -1)
      return ow_err (nbd_error_to_errno (), "nbd_pread: %s", nbd_get_error ());
    p += n;
    off += n;
    count -= n;
  }
  return 0;
}

static int
nbdb_pwrite (void *h, const void *buf, size_t count, uint64_t off)
{
  const uint8_t *p = buf;

  while (count > 0) {
    size_t n = count < NBD_MAX_REQUEST ? count : NBD_MAX_REQUEST;
    if (nbd_pwrite (h, p, n, off, 0) == -1)
      return ow_err (nbd_error_to_errno (), "nbd_pwrite: %s", nbd_get_error ());
    p += n;
    off += n;
    count -= n;
  }
  return 0;
}

static int
nbdb_flush (void *h)
{
  if (nbd_can_flush (h) != 1)
    return 0;
  if (nbd_flush (h, 0) == -1)
    return ow_err (nbd_error_to_errno (), "nbd_flush: %s", nbd_get_error ());
  return 0;
}

static int
nbdb_close (void *h)
{
  nbd_shutdown (h, 0);
  nbd_close (h);
  return 0;
}

static const struct ow_disk_ops nbd_ops = {
  .name = "nbd", .pread = nbdb_pread, .pwrite = nbdb_pwrite,
  .flush = nbdb_flush, .close = nbdb_close,
};

struct ow_disk *
ow_disk_open_nbd (const char *uri, unsigned flags)
{
  bool ro = flags & OW_DISK_RDONLY;
  struct nbd_handle *h;
  int64_t size, minblock;
  unsigned sector = 512;

  h = nbd_create ();
  if (h == NULL) {
    ow_err (nbd_error_to_errno (), "nbd_create: %s", nbd_get_error ());
    return NULL;
  }
  /* Only the URI forms DESIGN.md documents; no local command execution
   * from a URI a remote controller could supply. */
  if (nbd_set_uri_allow_transports (h, LIBNBD_ALLOW_TRANSPORT_TCP |
                                    LIBNBD_ALLOW_TRANSPORT_UNIX) == -1) {
    /* Never connect without the restriction in place. */
    ow_err (nbd_error_to_errno () ? nbd_error_to_errno () : EINVAL,
            "%s: cannot restrict NBD URI transports: %s", uri,
            nbd_get_error () ? nbd_get_error () : "unknown error");
    goto fail;
  }
  if (nbd_connect_uri (h, uri) == -1) {
    ow_err (nbd_error_to_errno (), "%s: cannot connect: %s", uri, nbd_get_error ());
    goto fail;
  }
  size = nbd_get_size (h);
  if (size < 0) {
    ow_err (nbd_error_to_errno (), "%s: cannot get size: %s", uri, nbd_get_error ());
    goto fail;
  }
  if (!ro && nbd_is_read_only (h) == 1) {
    ow_err (EROFS, "%s: the NBD server exports this disk read-only", uri);
    goto fail;
  }
  minblock = nbd_get_block_size (h, LIBNBD_SIZE_MINIMUM);
  if (minblock == 4096)
    sector = 4096;
  return ow_disk_new (&nbd_ops, h, uri, (uint64_t) size, sector, ro);

 fail:
  nbd_close (h);
  return NULL;
}
#endif /* OW_NO_NBD */
