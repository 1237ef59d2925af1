/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AWS EC2 user data over IMDSv2: a session token from PUT /latest/api/token,
 * then GET /latest/user-data with it (IMDSv1 may be disabled on the
 * instance, IMDSv2 always works). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "config/platform.h"

/* The token only has to outlive one request. */
#define IMDS_TOKEN_TTL "60"
#define MAX_IMDS_TOKEN_LEN 1024
#define HTTP_OK 200
#define HTTP_NOT_FOUND 404

static bool
token_ok (const char *t, size_t n)
{
  if (n == 0 || n > MAX_IMDS_TOKEN_LEN)
    return false;
  for (size_t i = 0; i < n; i++)
    if (t[i] <= ' ' || t[i] > '~')   /* it goes back in a header */
      return false;
  return true;
}

int
ce_aws_config (const char *base_url, char **text, size_t *len, char **errmsg)
{
  const char *put_headers[] = {
    "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL, NULL };
  char *url = NULL, *token = NULL, *hdr = NULL, *data = NULL;
  size_t tlen = 0, dlen = 0;
  long status = 0;
  int r = -1;

  *text = NULL;
  if (asprintf (&url, "%s/latest/api/token", base_url) == -1) {
    url = NULL;
    ce_platform_fail (errmsg, "boot config: out of memory");
    goto out;
  }
  if (ce_platform_http ("PUT", url, put_headers, "", &status, &token, &tlen,
                        errmsg) == -1)
    goto out;
  if (status != HTTP_OK || !token_ok (token, tlen)) {
    ce_platform_fail (errmsg, "boot config: AWS IMDSv2 token: HTTP %ld%s",
                      status, status == HTTP_OK ? " with a malformed token" : "");
    goto out;
  }
  free (url);
  if (asprintf (&url, "%s/latest/user-data", base_url) == -1 ||
      asprintf (&hdr, "X-aws-ec2-metadata-token: %s", token) == -1) {
    url = hdr = NULL;
    ce_platform_fail (errmsg, "boot config: out of memory");
    goto out;
  }
  const char *get_headers[] = { hdr, NULL };
  if (ce_platform_http ("GET", url, get_headers, NULL, &status, &data, &dlen,
                        errmsg) == -1)
    goto out;
  if (status == HTTP_NOT_FOUND) {
    r = 0;                      /* the instance has no user data */
    goto out;
  }
  if (status != HTTP_OK) {
    ce_platform_fail (errmsg, "boot config: AWS user-data: HTTP %ld", status);
    goto out;
  }
  if (ce_platform_decode_userdata (data, dlen, text, len, errmsg) == 0)
    r = 1;
 out:
  if (data) {
    explicit_bzero (data, dlen);
    free (data);
  }
  if (hdr) {
    explicit_bzero (hdr, strlen (hdr));
    free (hdr);
  }
  if (token) {
    explicit_bzero (token, tlen);
    free (token);
  }
  free (url);
  return r;
}
