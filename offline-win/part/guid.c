/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GUIDs as GPT stores them, and the partition type GUIDs we recognise.
 *
 * On disk a GUID is mixed-endian: the first three fields (32, 16, 16 bits)
 * are little-endian, the last 8 bytes are stored as written in the text
 * form.  The structs keep the on-disk bytes so that they can be written
 * back or compared with MountedDevices data unchanged. */
#include <stdio.h>
#include <strings.h>

#include "part/part.h"

void
ow_guid_to_string (const uint8_t g[16], char *buf)
{
  /* 36 characters + NUL always fit the documented 37-byte buffer. */
  snprintf (buf, 37,
            "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
            (unsigned) ow_le32 (g), (unsigned) ow_le16 (g + 4),
            (unsigned) ow_le16 (g + 6), g[8], g[9],
            g[10], g[11], g[12], g[13], g[14], g[15]);
}

bool
ow_guid_is_zero (const uint8_t g[16])
{
  for (int i = 0; i < 16; i++)
    if (g[i] != 0)
      return false;
  return true;
}

static const struct {
  const char *guid;
  enum ow_part_role role;
} gpt_types[] = {
  { "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", OW_ROLE_DATA },     /* basic data */
  { "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", OW_ROLE_EFI },      /* ESP */
  { "e3c9e316-0b5c-4db8-817d-f92df00215ae", OW_ROLE_MSR },
  { "de94bba4-06d1-4d40-a16a-bfd50179d6ac", OW_ROLE_RECOVERY }, /* WinRE */
  { "5808c8aa-7e8f-42e0-85d2-e1e90434cfb3", OW_ROLE_LDM },      /* LDM metadata */
  { "af9b60a0-1431-4f62-bc68-3311714a69ad", OW_ROLE_LDM },      /* LDM data */
  { "0fc63daf-8483-4772-8e79-3d69d8477de4", OW_ROLE_OTHER },    /* Linux data */
  { "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", OW_ROLE_OTHER },    /* Linux swap */
  { "e6d6d379-f507-44c2-a23c-238f2a3df928", OW_ROLE_OTHER },    /* Linux LVM */
  { "a19d880f-05fc-4d3b-a006-743f0f84911e", OW_ROLE_OTHER },    /* Linux RAID */
  { "4f68bce3-e8cd-4db1-96e7-fbcaf984b709", OW_ROLE_OTHER },    /* Linux root x86-64 */
  { "b921b045-1df0-41c3-af44-4c6f280d3fae", OW_ROLE_OTHER },    /* Linux root arm64 */
  { "21686148-6449-6e6f-744e-656564454649", OW_ROLE_OTHER },    /* BIOS boot */
};

enum ow_part_role
ow_gpt_type_role (const uint8_t type_guid[16])
{
  char s[37];

  ow_guid_to_string (type_guid, s);
  for (size_t i = 0; i < sizeof gpt_types / sizeof gpt_types[0]; i++)
    if (strcasecmp (s, gpt_types[i].guid) == 0)
      return gpt_types[i].role;
  return OW_ROLE_UNKNOWN;
}
