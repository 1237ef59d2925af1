/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Security descriptors of the files and directories we create.  libntfs-3g
 * gives a file created without one "Everyone: full control"; a file the
 * first-boot runner executes as SYSTEM must not be writable by ordinary
 * users, so every file we create gets an explicit descriptor. */
#include <stdio.h>
#include <stdlib.h>

#include "ntfs-internal.h"      /* first: libntfs-3g header order */

#include <ntfs-3g/security.h>

/* Self-relative descriptor layout (MS-DTYP 2.4.6). */
#define SD_HEADER_SIZE      20u
#define ACL_HEADER_SIZE     8u
#define ACE_HEADER_SIZE     8u      /* type, flags, size, mask */
#define SD_REVISION         1u
#define ACL_REVISION        2u
#define SE_DACL_PRESENT_    0x0004u
#define SE_DACL_PROTECTED_  0x1000u
#define SE_SELF_RELATIVE_   0x8000u
#define ACE_ALLOWED         0u
#define ACE_INHERIT_OBJECT    0x01u
#define ACE_INHERIT_CONTAINER 0x02u
#define MASK_FULL_CONTROL   UINT32_C (0x001F01FF)
#define MASK_READ_EXECUTE   UINT32_C (0x001200A9)
/* Largest descriptor we read back from a file (Windows caps ACLs at 64 KiB). */
#define MAX_SD_SIZE         (256u * 1024)

struct sid {
  uint8_t count;            /* sub-authorities */
  uint32_t sub[2];
};
/* NT AUTHORITY (identifier authority 5). */
static const struct sid SID_SYSTEM = { 1, { 18 } };          /* S-1-5-18 */
static const struct sid SID_ADMINS = { 2, { 32, 544 } };     /* S-1-5-32-544 */
static const struct sid SID_USERS = { 2, { 32, 545 } };      /* S-1-5-32-545 */

static size_t
sid_size (const struct sid *s)
{
  return 8u + 4u * s->count;
}

static uint8_t *
put_sid (uint8_t *p, const struct sid *s)
{
  unsigned i;

  p[0] = 1;                 /* revision */
  p[1] = s->count;
  memset (p + 2, 0, 5);     /* 48-bit big-endian authority 5 */
  p[7] = 5;
  for (i = 0; i < s->count; i++)
    ow_put_le32 (p + 8 + 4 * i, s->sub[i]);
  return p + sid_size (s);
}

static uint8_t *
put_ace (uint8_t *p, uint8_t flags, uint32_t mask, const struct sid *s)
{
  size_t size = ACE_HEADER_SIZE + sid_size (s);

  p[0] = ACE_ALLOWED;
  p[1] = flags;
  ow_put_le16 (p + 2, (uint16_t) size);
  ow_put_le32 (p + 4, mask);
  return put_sid (p + ACE_HEADER_SIZE, s);
}

void *
ow_ntfs_build_sd (unsigned flags, bool dir, size_t *len)
{
  const struct { uint32_t mask; const struct sid *sid; } aces[] = {
    { MASK_FULL_CONTROL, &SID_SYSTEM },
    { MASK_FULL_CONTROL, &SID_ADMINS },
    { MASK_READ_EXECUTE, &SID_USERS },
  };
  uint8_t ace_flags = dir ? ACE_INHERIT_OBJECT | ACE_INHERIT_CONTAINER : 0;
  size_t acl_size = ACL_HEADER_SIZE, total, i;
  uint16_t control = SE_SELF_RELATIVE_ | SE_DACL_PRESENT_;
  uint8_t *sd, *p;

  for (i = 0; i < sizeof aces / sizeof aces[0]; i++)
    acl_size += ACE_HEADER_SIZE + sid_size (aces[i].sid);
  total = SD_HEADER_SIZE + acl_size + sid_size (&SID_ADMINS) + sid_size (&SID_SYSTEM);
  sd = calloc (1, total);
  if (sd == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  if (flags & OW_WRITE_PROTECTED)
    control |= SE_DACL_PROTECTED_;
  sd[0] = SD_REVISION;
  ow_put_le16 (sd + 2, control);
  /* DACL first, then owner (Administrators) and group (SYSTEM), as
   * Windows lays descriptors out. */
  ow_put_le32 (sd + 4, (uint32_t) (SD_HEADER_SIZE + acl_size));                  /* owner */
  ow_put_le32 (sd + 8, (uint32_t) (SD_HEADER_SIZE + acl_size + sid_size (&SID_ADMINS)));
  ow_put_le32 (sd + 12, 0);                                                      /* no SACL */
  ow_put_le32 (sd + 16, SD_HEADER_SIZE);                                         /* DACL */
  p = sd + SD_HEADER_SIZE;
  p[0] = ACL_REVISION;
  ow_put_le16 (p + 2, (uint16_t) acl_size);
  ow_put_le16 (p + 4, (uint16_t) (sizeof aces / sizeof aces[0]));
  p += ACL_HEADER_SIZE;
  for (i = 0; i < sizeof aces / sizeof aces[0]; i++)
    p = put_ace (p, ace_flags, aces[i].mask, aces[i].sid);
  p = put_sid (p, &SID_ADMINS);
  put_sid (p, &SID_SYSTEM);
  *len = total;
  return sd;
}

/* libntfs-3g keeps descriptors of NTFS 3.x volumes in $Secure, which it
 * opens only on request; ntfs_umount closes it again. */
static int
open_secure (struct ow_volume *v)
{
  if (v->vol->major_ver < 3 || v->vol->secure_ni != NULL)
    return 0;
  if (ntfs_open_secure (v->vol) != 0)
    return ow_err (errno ? errno : EIO, "cannot open $Secure: %m");
  return 0;
}

int
ow_ntfs_set_sd (struct ow_volume *v, ntfs_inode *ni, const void *sd, size_t len)
{
  struct SECURITY_CONTEXT scx = { .vol = v->vol };

  if (open_secure (v) == -1)
    return -1;
  errno = 0;
  if (ntfs_set_ntfs_acl (&scx, ni, sd, len, 0) != 0)
    return ow_err (errno ? errno : EINVAL, "setting the security descriptor: %s",
                   strerror (errno ? errno : EINVAL));
  return 0;
}

void *
ow_ntfs_get_sd (struct ow_volume *v, ntfs_inode *ni, size_t *len)
{
  struct SECURITY_CONTEXT scx = { .vol = v->vol };
  char *buf;
  int need;

  if (open_secure (v) == -1)
    return NULL;
  need = ntfs_get_ntfs_acl (&scx, ni, NULL, 0);
  if (need <= 0 || (size_t) need > MAX_SD_SIZE) {
    ow_err (need < 0 ? -need : EINVAL, "reading the security descriptor: %s",
            need < 0 ? strerror (-need) : "no usable descriptor");
    return NULL;
  }
  buf = malloc ((size_t) need);
  if (buf == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  if (ntfs_get_ntfs_acl (&scx, ni, buf, (size_t) need) != need) {
    free (buf);
    ow_err (EIO, "the security descriptor changed size while read");
    return NULL;
  }
  *len = (size_t) need;
  return buf;
}
