/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GCP: the instance metadata attribute ce-config (set with
 * `gcloud compute instances create --metadata-from-file ce-config=FILE`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "config/platform.h"

#define HTTP_OK 200
#define HTTP_NOT_FOUND 404

int
ce_gcp_config (const char *base_url, char **text, size_t *len, char **errmsg)
{
  /* Without this header the server refuses (it blocks naive SSRF). */
  const char *headers[] = { "Metadata-Flavor: Google", NULL };
  char *url = NULL, *data = NULL;
  size_t dlen = 0;
  long status = 0;
  int r = -1;

  *text = NULL;
  if (asprintf (&url, "%s/computeMetadata/v1/instance/attributes/ce-config",
                base_url) == -1)
    return ce_platform_fail (errmsg, "boot config: out of memory");
  if (ce_platform_http ("GET", url, headers, NULL, &status, &data, &dlen,
                        errmsg) == -1)
    goto out;
  if (status == HTTP_NOT_FOUND)
    r = 0;
  else if (status != HTTP_OK)
    ce_platform_fail (errmsg, "boot config: GCP metadata ce-config: HTTP %ld", status);
  else if (ce_platform_decode_userdata (data, dlen, text, len, errmsg) == 0)
    r = 1;
 out:
  if (data) {
    explicit_bzero (data, dlen);
    free (data);
  }
  free (url);
  return r;
}
