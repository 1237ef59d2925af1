/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Typed getters over hivex: key paths, value lookup, decoding. */
#include <stdlib.h>

#include "hive-internal.h"

/* Deeper than this is not a registry path we build or accept. */
#define MAX_KEY_DEPTH 64

hive_node_h
ow_hive_node (struct ow_hive *hv, const char *key)
{
  hive_node_h node = hivex_root (hv->h);
  char *copy, *save = NULL, *comp;
  int depth = 0;

  if (node == 0) {
    ow_err (errno ? errno : EINVAL, "%s: hive has no root key", hv->name);
    return 0;
  }
  copy = strdup (key);
  if (copy == NULL) {
    ow_err (ENOMEM, "out of memory");
    return 0;
  }
  for (comp = strtok_r (copy, "\\", &save); comp && node;
       comp = strtok_r (NULL, "\\", &save)) {
    if (++depth > MAX_KEY_DEPTH) {
      ow_err (EINVAL, "%s: key path too deep: %s", hv->name, key);
      node = 0;
      break;
    }
    /* hivex: 0 with errno 0 means "no such child". */
    errno = 0;
    node = hivex_node_get_child (hv->h, node, comp);
    if (node == 0) {
      if (errno == 0)
        errno = ENOENT;
      else
        ow_err (errno, "%s: reading key %s: %m", hv->name, key);
    }
  }
  free (copy);
  return node;
}

int
ow_hive_key_exists (struct ow_hive *hv, const char *key)
{
  if (ow_hive_node (hv, key))
    return 1;
  return errno == ENOENT ? 0 : -1;
}

int
ow_hive_get_raw (struct ow_hive *hv, const char *key, const char *value,
                 uint32_t *type, void **data, size_t *len)
{
  hive_node_h node = ow_hive_node (hv, key);
  hive_value_h val;
  hive_type t;
  char *d;

  if (node == 0)
    return errno == ENOENT ? 0 : -1;
  errno = 0;
  val = hivex_node_get_value (hv->h, node, value);
  if (val == 0)
    return errno == 0 ? 0 : ow_err (errno, "%s: reading %s\\%s: %m", hv->name, key, value);
  d = hivex_value_value (hv->h, val, &t, len);
  if (d == NULL)
    return ow_err (errno, "%s: reading data of %s\\%s: %m", hv->name, key, value);
  *type = (uint32_t) t;
  *data = d;
  return 1;
}

int
ow_hive_get_string (struct ow_hive *hv, const char *key, const char *value,
                    char **out)
{
  uint32_t t;
  void *d;
  size_t len;
  int r = ow_hive_get_raw (hv, key, value, &t, &d, &len);

  if (r <= 0)
    return r;
  if (t != OW_REG_SZ && t != OW_REG_EXPAND_SZ && t != OW_REG_LINK) {
    free (d);
    return ow_err (EINVAL, "%s: %s\\%s is type %u, not a string", hv->name, key,
                   value, t);
  }
  *out = ow_reg_decode_sz (d, len);
  free (d);
  if (*out == NULL)
    return ow_err (errno, "%s: decoding %s\\%s: %m", hv->name, key, value);
  return 1;
}

int
ow_hive_get_dword (struct ow_hive *hv, const char *key, const char *value,
                   uint32_t *out)
{
  uint32_t t;
  void *d;
  size_t len;
  int r = ow_hive_get_raw (hv, key, value, &t, &d, &len);

  if (r <= 0)
    return r;
  if ((t != OW_REG_DWORD && t != OW_REG_BINARY) ||
      ow_reg_decode_dword (d, len, out) == -1) {
    free (d);
    return ow_err (EINVAL, "%s: %s\\%s is not a DWORD (type %u, %zu bytes)",
                   hv->name, key, value, t, len);
  }
  free (d);
  return 1;
}

int
ow_hive_get_multi_string (struct ow_hive *hv, const char *key,
                          const char *value, char ***out)
{
  uint32_t t;
  void *d;
  size_t len, n;
  int r = ow_hive_get_raw (hv, key, value, &t, &d, &len);

  if (r <= 0)
    return r;
  if (t != OW_REG_MULTI_SZ) {
    free (d);
    return ow_err (EINVAL, "%s: %s\\%s is type %u, not REG_MULTI_SZ", hv->name,
                   key, value, t);
  }
  *out = ow_reg_decode_multi_sz (d, len, &n);
  free (d);
  if (*out == NULL)
    return ow_err (errno, "%s: decoding %s\\%s: %m", hv->name, key, value);
  return 1;
}

/* Names of the handles in the 0-terminated array H (freed here), read
 * with NAME_OF: subkey names and value names are listed the same way. */
static char **
names_of (struct ow_hive *hv, const char *key, size_t *h,
          char *(*name_of) (hive_h *, size_t), const char *what)
{
  char **v;
  size_t n = 0;

  if (h == NULL) {
    ow_err (errno, "%s: listing the %ss of %s: %m", hv->name, what, key);
    return NULL;
  }
  while (h[n])
    n++;
  v = calloc (n + 1, sizeof *v);
  if (v == NULL)
    ow_err (ENOMEM, "out of memory");
  for (size_t i = 0; v && i < n; i++) {
    v[i] = name_of (hv->h, h[i]);
    if (v[i] == NULL) {
      ow_err (errno, "%s: reading a %s name of %s: %m", hv->name, what, key);
      ow_strv_free (v);
      v = NULL;
    }
  }
  free (h);
  return v;
}

char **
ow_hive_subkeys (struct ow_hive *hv, const char *key)
{
  hive_node_h node = ow_hive_node (hv, key);

  if (node == 0)
    return NULL;
  return names_of (hv, key, hivex_node_children (hv->h, node), hivex_node_name, "subkey");
}

char **
ow_hive_value_names (struct ow_hive *hv, const char *key)
{
  hive_node_h node = ow_hive_node (hv, key);

  if (node == 0)
    return NULL;
  return names_of (hv, key, hivex_node_values (hv->h, node), hivex_value_key, "value");
}
