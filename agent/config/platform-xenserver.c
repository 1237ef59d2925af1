/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XenServer / XCP-ng: the boot config in xenstore at vm-data/ce-config
 * (`xe vm-param-set uuid=... xenstore-data:vm-data/ce-config=<base64>`),
 * read with one XS_READ over the xenbus device.  The path is relative, so
 * xenstored resolves it under this domain's home (/local/domain/<id>). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "config/platform.h"

/* xs_wire.h: message types and the payload limit of the protocol. */
#define XS_READ 2
#define XS_ERROR 16
#define XENSTORE_PAYLOAD_MAX 4096
#define XS_HEADER_LEN 16
#define XS_REQ_ID 0x63650001u        /* echoed back: matches our reply */
#define XENBUS_TIMEOUT_MS 2000
#define XS_CONFIG_PATH "vm-data/ce-config"

static void
put_u32 (unsigned char *p, uint32_t v)
{
  memcpy (p, &v, 4);                 /* xenstore's wire is native-endian */
}

static uint32_t
get_u32 (const unsigned char *p)
{
  uint32_t v;
  memcpy (&v, p, 4);
  return v;
}

/* Read exactly N bytes, waiting at most XENBUS_TIMEOUT_MS for each chunk. */
static int
read_full (int fd, unsigned char *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int p = poll (&pfd, 1, XENBUS_TIMEOUT_MS);
    if (p == 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    if (p == -1) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    ssize_t r = read (fd, buf + got, n - got);
    if (r == 0) {
      errno = EPIPE;
      return -1;
    }
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    got += (size_t) r;
  }
  return 0;
}

int
ce_xenstore_read_fd (int fd, const char *path, char **value, size_t *len,
                     char **errmsg)
{
  size_t plen = strlen (path) + 1;   /* the request payload includes the NUL */
  unsigned char hdr[XS_HEADER_LEN], *req = NULL;
  char *v = NULL;
  uint32_t type, rlen;
  int r = -1;

  *value = NULL;
  if (plen > XENSTORE_PAYLOAD_MAX)
    return ce_platform_fail (errmsg, "xenstore: path too long");
  if (!(req = malloc (XS_HEADER_LEN + plen)))
    return ce_platform_fail (errmsg, "xenstore: out of memory");
  put_u32 (req, XS_READ);
  put_u32 (req + 4, XS_REQ_ID);
  put_u32 (req + 8, 0);              /* no transaction */
  put_u32 (req + 12, (uint32_t) plen);
  memcpy (req + XS_HEADER_LEN, path, plen);
  /* The xenbus device takes a message in one write. */
  ssize_t w = write (fd, req, XS_HEADER_LEN + plen);
  if (w != (ssize_t) (XS_HEADER_LEN + plen)) {
    ce_platform_fail (errmsg, "xenstore: write: %s", w == -1 ? strerror (errno) : "short");
    goto out;
  }
  if (read_full (fd, hdr, sizeof hdr) == -1) {
    ce_platform_fail (errmsg, "xenstore: read: %s", strerror (errno));
    goto out;
  }
  type = get_u32 (hdr);
  rlen = get_u32 (hdr + 12);
  if (get_u32 (hdr + 4) != XS_REQ_ID || rlen > XENSTORE_PAYLOAD_MAX ||
      (type != XS_READ && type != XS_ERROR)) {
    ce_platform_fail (errmsg, "xenstore: malformed reply (type %u, %u bytes)",
                      type, rlen);
    goto out;
  }
  if (!(v = malloc ((size_t) rlen + 1))) {
    ce_platform_fail (errmsg, "xenstore: out of memory");
    goto out;
  }
  if (read_full (fd, (unsigned char *) v, rlen) == -1) {
    ce_platform_fail (errmsg, "xenstore: read: %s", strerror (errno));
    goto out;
  }
  v[rlen] = '\0';
  if (type == XS_ERROR) {
    if (!strcmp (v, "ENOENT"))
      r = 0;
    else
      ce_platform_fail (errmsg, "xenstore: read %s: %s", path, v);
    goto out;
  }
  *value = v, v = NULL;
  *len = rlen;
  r = 1;
 out:
  if (v) {
    explicit_bzero (v, rlen);
    free (v);
  }
  free (req);
  return r;
}

int
ce_xenserver_config (const char *dev, char **text, size_t *len, char **errmsg)
{
  char *v = NULL;
  size_t vlen = 0;
  int fd, r;

  *text = NULL;
  fd = open (dev, O_RDWR | O_CLOEXEC);
  if (fd == -1)
    return errno == ENOENT || errno == ENODEV ? 0
      : ce_platform_fail (errmsg, "boot config: %s: %s", dev, strerror (errno));
  r = ce_xenstore_read_fd (fd, XS_CONFIG_PATH, &v, &vlen, errmsg);
  close (fd);
  if (r == 1) {
    if (ce_platform_decode_userdata (v, vlen, text, len, errmsg) == -1)
      r = -1;
    explicit_bzero (v, vlen);
    free (v);
  }
  return r;
}
