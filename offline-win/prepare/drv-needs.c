/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the target platform needs, read from the "drivers" array of its
 * entry in offline-win/data/platforms.json, in the shape op-platform.c
 * checks and docs/platforms.md describes: "role" (bootStorage, network,
 * other), "hardwareIds", "inbox" (the in-box driver's name: "stornvme",
 * its INF "stornvme.inf"), "variant" and "registry" (DWORDs below the
 * service key).  An absent field is empty.  Every field read is checked
 * for its type: the file is ours, but a typo must not pass. */
#include <stdlib.h>

#include "prepare.h"

/* platforms.json, checked (op-platform.c). */
json_t *ow_platforms_load (void);

#define MAX_NEED_HWIDS  256
#define MAX_NEED_PARAMS 64

void
ow_drv_needs_free (struct ow_drv_need *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++) {
    free (v[i].service);
    free (v[i].what);
    free (v[i].role);
    for (size_t k = 0; k < v[i].nhwids; k++)
      free (v[i].hwids[k]);
    free (v[i].hwids);
    free (v[i].inbox);
    free (v[i].variant);
    for (size_t k = 0; k < v[i].nparams; k++) {
      free (v[i].param_keys[k]);
      free (v[i].param_names[k]);
    }
    free (v[i].param_keys);
    free (v[i].param_names);
    free (v[i].param_values);
  }
  free (v);
}

static int
opt_string (json_t *d, const char *field, char **out, const char *platform, size_t i)
{
  json_t *v = json_object_get (d, field);

  *out = NULL;
  if (v == NULL)
    return 0;
  if (!json_is_string (v) || json_string_length (v) == 0)
    return ow_err_invalid ("platforms.json: platform %s driver %zu: \"%s\" must be a "
                           "non-empty string", platform, i, field);
  *out = strdup (json_string_value (v));
  return *out ? 0 : ow_err (ENOMEM, "out of memory");
}

/* "registry": [{"key": "Parameters", "value": "IoTimeoutValue",
 * "type": "REG_DWORD", "data": 240, ...}] (op-platform.c checks the
 * rest); only DWORDs below the service key are written by this step. */
static int
read_registry (json_t *reg, struct ow_drv_need *n, const char *platform, size_t i)
{
  json_t *v;
  size_t j;

  if (reg && (!json_is_array (reg) || json_array_size (reg) > MAX_NEED_PARAMS))
    return ow_err_invalid ("platforms.json: platform %s driver %zu: \"registry\" must be "
                           "an array of at most %d values", platform, i, MAX_NEED_PARAMS);
  n->param_keys = calloc (json_array_size (reg) + 1, sizeof *n->param_keys);
  n->param_names = calloc (json_array_size (reg) + 1, sizeof *n->param_names);
  n->param_values = calloc (json_array_size (reg) + 1, sizeof *n->param_values);
  if (n->param_keys == NULL || n->param_names == NULL || n->param_values == NULL)
    return ow_err (ENOMEM, "out of memory");
  json_array_foreach (reg, j, v) {
    const char *key = json_string_value (json_object_get (v, "key"));
    const char *name = json_string_value (json_object_get (v, "value"));
    const char *type = json_string_value (json_object_get (v, "type"));
    json_t *data = json_object_get (v, "data");

    if (key == NULL || *key == '\0' || *key == '\\' || name == NULL || *name == '\0'
        || type == NULL || strcmp (type, "REG_DWORD") != 0 || !json_is_integer (data)
        || json_integer_value (data) < 0 || json_integer_value (data) > 0xffffffffLL)
      return ow_err_invalid ("platforms.json: platform %s driver %zu: registry %zu must be a "
                             "REG_DWORD below the service key", platform, i, j);
    if ((n->param_keys[n->nparams] = strdup (key)) == NULL
        || (n->param_names[n->nparams] = strdup (name)) == NULL) {
      free (n->param_keys[n->nparams]);
      n->param_keys[n->nparams] = NULL;
      return ow_err (ENOMEM, "out of memory");
    }
    n->param_values[n->nparams++] = (uint32_t) json_integer_value (data);
  }
  return 0;
}

static int
read_need (json_t *d, struct ow_drv_need *n, const char *platform, size_t i)
{
  json_t *ids = json_object_get (d, "hardwareIds"), *v;
  size_t j;

  if (opt_string (d, "service", &n->service, platform, i) == -1
      || opt_string (d, "what", &n->what, platform, i) == -1
      || opt_string (d, "role", &n->role, platform, i) == -1
      || opt_string (d, "inbox", &n->inbox, platform, i) == -1
      || opt_string (d, "variant", &n->variant, platform, i) == -1)
    return -1;
  if (n->service == NULL)
    return ow_err_invalid ("platforms.json: platform %s driver %zu needs \"service\"", platform, i);
  if (ids && (!json_is_array (ids) || json_array_size (ids) > MAX_NEED_HWIDS))
    return ow_err_invalid ("platforms.json: platform %s driver %zu: \"hardwareIds\" must be "
                           "an array of at most %d strings", platform, i, MAX_NEED_HWIDS);
  n->hwids = calloc (json_array_size (ids) + 1, sizeof *n->hwids);
  if (n->hwids == NULL)
    return ow_err (ENOMEM, "out of memory");
  json_array_foreach (ids, j, v) {
    if (!json_is_string (v) || json_string_length (v) == 0)
      return ow_err_invalid ("platforms.json: platform %s driver %zu: hardware ID %zu is "
                             "not a non-empty string", platform, i, j);
    if ((n->hwids[n->nhwids] = strdup (json_string_value (v))) == NULL)
      return ow_err (ENOMEM, "out of memory");
    n->nhwids++;
  }
  return read_registry (json_object_get (d, "registry"), n, platform, i);
}

int
ow_drv_needs_from_json (json_t *platforms, const char *platform, struct ow_drv_need **out,
                        size_t *nout)
{
  json_t *p = json_object_get (json_object_get (platforms, "platforms"), platform);
  json_t *drivers = json_object_get (p, "drivers"), *d;
  struct ow_drv_need *v;
  size_t i, n = 0;

  *out = NULL;
  *nout = 0;
  if (p == NULL)
    return ow_err_invalid ("unknown platform \"%s\"", platform);
  if (drivers && !json_is_array (drivers))
    return ow_err_invalid ("platforms.json: platform %s: \"drivers\" must be an array", platform);
  v = calloc (json_array_size (drivers) + 1, sizeof *v);
  if (v == NULL)
    return ow_err (ENOMEM, "out of memory");
  json_array_foreach (drivers, i, d) {
    n++;
    if (!json_is_object (d) || read_need (d, &v[i], platform, i) == -1) {
      if (!json_is_object (d))
        ow_err_invalid ("platforms.json: platform %s driver %zu must be an object", platform, i);
      ow_drv_needs_free (v, n);
      return -1;
    }
  }
  *out = v;
  *nout = n;
  return 0;
}

int
ow_drv_platform_needs (const char *platform, struct ow_drv_need **v, size_t *n)
{
  json_t *table = ow_platforms_load ();
  int r;

  if (table == NULL)
    return -1;
  r = ow_drv_needs_from_json (table, platform, v, n);
  json_decref (table);
  return r;
}
