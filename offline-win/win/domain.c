/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Domain membership from the SECURITY hive's LSA policy keys. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "win.h"

/* LSA keeps each value as the key's default value. */
static int
policy_value (struct ow_hive *h, const char *name, void **d, size_t *len)
{
  char *key = NULL;
  uint32_t t;
  int r;

  if (asprintf (&key, "Policy\\%s", name) == -1)
    return ow_err (ENOMEM, "out of memory");
  r = ow_hive_get_raw (h, key, "", &t, d, len);
  free (key);
  return r;
}

/* A UNICODE_STRING header (Length, MaximumLength, 4 bytes of buffer
 * offset) followed by the UTF-16LE characters. */
static char *
policy_string (struct ow_hive *h, const char *name)
{
  void *d = NULL;
  size_t len = 0;
  char *s = NULL;

  if (policy_value (h, name, &d, &len) == 1 && len >= 8) {
    size_t n = ow_le16 (d);
    if (n > len - 8)
      n = len - 8;
    if (n > 0)
      s = ow_utf16le_to_utf8 ((uint8_t *) d + 8, n);
  }
  free (d);
  return s;
}

/* Binary SID → "S-1-5-21-...", or NULL if empty / malformed. */
static char *
sid_to_string (const uint8_t *d, size_t len)
{
  char *out = NULL;
  size_t outlen = 0;
  FILE *f;
  uint64_t auth = 0;
  unsigned count;

  if (len < 8 || d[0] != 1)
    return NULL;
  count = d[1];
  if (count > 15 || len < 8 + 4 * (size_t) count)
    return NULL;
  for (int i = 2; i < 8; i++)
    auth = auth << 8 | d[i];
  f = open_memstream (&out, &outlen);
  if (f == NULL)
    return NULL;
  fprintf (f, "S-1-%" PRIu64, auth);
  for (unsigned i = 0; i < count; i++)
    fprintf (f, "-%" PRIu32, ow_le32 (d + 8 + 4 * i));
  if (fclose (f) != 0) {
    free (out);
    return NULL;
  }
  return out;
}

int
ow_win_domain (struct ow_win_ctx *c, json_t *out)
{
  json_t *dom;
  void *d = NULL;
  size_t len = 0;
  char *sid = NULL;
  int r;

  if (c->security == NULL) {
    json_object_set_new (out, "domain", json_null ());
    return 0;
  }
  r = policy_value (c->security, "PolPrDmS", &d, &len);
  if (r == -1)
    return -1;
  if (r == 1)
    sid = sid_to_string (d, len);
  free (d);

  dom = json_object ();
  /* A workgroup machine has a primary domain name but no domain SID. */
  json_object_set_new (dom, "joined", json_boolean (sid != NULL));
  ow_json_set_str_take (dom, sid ? "netbiosName" : "workgroup",
                        policy_string (c->security, "PolPrDmN"));
  ow_json_set_str_take (dom, "sid", sid);
  if (json_is_true (json_object_get (dom, "joined"))) {
    ow_json_set_str_take (dom, "dnsName", policy_string (c->security, "PolDnDDN"));
    ow_json_set_str_take (dom, "forest", policy_string (c->security, "PolDnTrN"));
    r = ow_hive_key_exists (c->security, "Policy\\Secrets\\$MACHINE.ACC");
    json_object_set_new (dom, "machineAccountSecret", json_boolean (r == 1));
  }
  json_object_set_new (out, "domain", dom);
  return 0;
}
