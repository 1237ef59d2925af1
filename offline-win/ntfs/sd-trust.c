/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Is an existing directory (or file) changeable only by SYSTEM and
 * Administrators?  The first-boot runner executes as SYSTEM from
 * ProgramData\CE-Appliance; a folder a standard user created there (users
 * may create folders in ProgramData) would let that user change what runs.
 * Read-only: the descriptor is parsed from its self-relative form
 * (MS-DTYP 2.4.6), never trusted for its size fields. */
#include <stdio.h>
#include <stdlib.h>

#include "ntfs-internal.h"

#define SD_HEADER_SIZE      20u
#define ACL_HEADER_SIZE     8u
#define ACE_HEADER_SIZE     8u
#define SID_MIN_SIZE        8u
#define SE_DACL_PRESENT_    0x0004u
#define SE_DACL_PROTECTED_  0x1000u
#define ACE_ALLOWED         0u
#define ACE_DENIED          1u
/* Rights that change nothing: read, execute/traverse, read attributes and
 * permissions, synchronize, and the generic read/execute bits. */
#define MASK_HARMLESS       (UINT32_C (0x001200A9) | UINT32_C (0x80000000) | \
                             UINT32_C (0x20000000))
#define MAX_SID_TEXT        200

/* "S-1-5-18" form of the SID at P (LEN bytes available); NULL if short. */
static char *
sid_text (const uint8_t *p, size_t len, size_t *sid_len)
{
  char *s, *w;
  uint64_t auth = 0;

  if (len < SID_MIN_SIZE || len < SID_MIN_SIZE + 4u * p[1])
    return NULL;
  *sid_len = SID_MIN_SIZE + 4u * p[1];
  s = malloc (MAX_SID_TEXT);
  if (s == NULL)
    return NULL;
  for (int i = 2; i < 8; i++)
    auth = auth << 8 | p[i];
  w = s + snprintf (s, MAX_SID_TEXT, "S-%u-%llu", p[0], (unsigned long long) auth);
  for (unsigned i = 0; i < p[1] && w < s + MAX_SID_TEXT - 12; i++)
    w += snprintf (w, (size_t) (s + MAX_SID_TEXT - w), "-%u", ow_le32 (p + 8 + 4 * i));
  return s;
}

static bool
privileged (const char *sid)
{
  return strcmp (sid, "S-1-5-18") == 0 || strcmp (sid, "S-1-5-32-544") == 0;
}

/* 1 trusted, 0 not (*WHY says why), -1 out of memory. */
static int
judge (const uint8_t *sd, size_t len, char **why)
{
  uint16_t control;
  uint32_t owner, dacl;
  size_t sl, acl_size, off;
  char *sid;
  int r;

  *why = NULL;
  if (len < SD_HEADER_SIZE)
    return asprintf (why, "its security descriptor is too short") == -1 ? -1 : 0;
  control = ow_le16 (sd + 2);
  owner = ow_le32 (sd + 4);
  dacl = ow_le32 (sd + 16);
  if (owner == 0 || owner >= len || (sid = sid_text (sd + owner, len - owner, &sl)) == NULL)
    return asprintf (why, "it has no readable owner") == -1 ? -1 : 0;
  if (!privileged (sid)) {
    r = asprintf (why, "it is owned by %s, not by SYSTEM or Administrators", sid);
    free (sid);
    return r == -1 ? -1 : 0;
  }
  free (sid);
  if (!(control & SE_DACL_PRESENT_) || dacl == 0 || dacl > len - ACL_HEADER_SIZE)
    return asprintf (why, "it has no DACL (everyone may change it)") == -1 ? -1 : 0;
  if (!(control & SE_DACL_PROTECTED_))
    return asprintf (why, "its DACL is not protected from inheritance") == -1 ? -1 : 0;
  acl_size = ow_le16 (sd + dacl + 2);
  if (acl_size < ACL_HEADER_SIZE || acl_size > len - dacl)
    return asprintf (why, "its DACL is malformed") == -1 ? -1 : 0;
  off = dacl + ACL_HEADER_SIZE;
  for (unsigned i = 0, n = ow_le16 (sd + dacl + 4); i < n; i++) {
    uint8_t type;
    uint32_t mask;
    size_t ace_size;

    if (off + ACE_HEADER_SIZE > dacl + acl_size
        || (ace_size = ow_le16 (sd + off + 2)) < ACE_HEADER_SIZE
        || off + ace_size > dacl + acl_size)
      return asprintf (why, "its DACL is malformed") == -1 ? -1 : 0;
    type = sd[off];
    mask = ow_le32 (sd + off + 4);
    if (type == ACE_DENIED) {            /* only ever takes rights away */
      off += ace_size;
      continue;
    }
    if (type != ACE_ALLOWED)
      return asprintf (why, "its DACL has an ACE of type %u that is not judged", type) == -1
             ? -1 : 0;
    if ((mask & ~MASK_HARMLESS) != 0) {
      sid = sid_text (sd + off + ACE_HEADER_SIZE, ace_size - ACE_HEADER_SIZE, &sl);
      if (sid == NULL)
        return asprintf (why, "its DACL is malformed") == -1 ? -1 : 0;
      if (!privileged (sid)) {
        r = asprintf (why, "its DACL lets %s change it (access mask 0x%08x)", sid, mask);
        free (sid);
        return r == -1 ? -1 : 0;
      }
      free (sid);
    }
    off += ace_size;
  }
  return 1;
}

int
ow_path_admin_only (struct ow_volume *v, const char *path, char **why)
{
  ntfs_inode *ni = ow_ntfs_lookup (v, path);
  void *sd;
  size_t len;
  int r;

  *why = NULL;
  if (ni == NULL)
    return ow_err (errno, "%s: %m", path);
  sd = ow_ntfs_get_sd (v, ni, &len);
  ntfs_inode_close (ni);
  if (sd == NULL) {
    ow_err_context ("%s", path);
    return -1;
  }
  r = judge (sd, len, why);
  free (sd);
  return r == -1 ? ow_err (ENOMEM, "out of memory") : r;
}
