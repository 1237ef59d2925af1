/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Nutanix AHV (and OpenStack) config drive: an ISO labelled config-2 whose
 * openstack/latest/user_data holds the user data.  Mounting it is the
 * appliance's business; this reads the mounted directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "config/platform.h"

#define USER_DATA_PATH "openstack/latest/user_data"
/* base64 of a CE_MAX_CONFIG_SIZE document, with slack for line breaks */
#define MAX_USER_DATA (2 * CE_MAX_CONFIG_SIZE)

int
ce_config_drive_config (const char *dir, char **text, size_t *len, char **errmsg)
{
  char *path = NULL, *data;
  size_t n;
  int r;

  *text = NULL;
  if (asprintf (&path, "%s/%s", dir, USER_DATA_PATH) == -1)
    return ce_platform_fail (errmsg, "boot config: out of memory");
  data = ce_read_file (path, MAX_USER_DATA, &n);
  if (!data) {
    r = errno == ENOENT || errno == ENOTDIR ? 0
      : ce_platform_fail (errmsg, "boot config: cannot read %s: %s", path,
                          errno == EFBIG ? "larger than the limit" : strerror (errno));
    free (path);
    return r;
  }
  r = ce_platform_decode_userdata (data, n, text, len, errmsg) == 0 ? 1 : -1;
  explicit_bzero (data, n);
  free (data);
  free (path);
  return r;
}
