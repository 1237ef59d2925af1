/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Source-hypervisor tools an image carries (VMware Tools, Xen PV
 * drivers, Nutanix, Parallels, VirtualBox, QEMU/virtio-win): what inspect
 * lists as "sourceTools" and what prepare's removeSourceTools acts on.
 * The rules are data (offline-win/data/source-tools.json, sources cited
 * there); this file reads the Uninstall keys, the services and every
 * UpperFilters/LowerFilters list of the class keys and of the Enum device
 * keys.  Read-only. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "win.h"

extern const char ow_data_source_tools[], ow_data_source_tools_end[];

#define MAX_NAME_LEN     256      /* service, product and pattern names in the data file */
#define MAX_ENUM_DEPTH   3        /* Enum\<bus>\<device>\<instance> */

static const char *const uninstall_roots[][2] = {
  { "Microsoft\\Windows\\CurrentVersion\\Uninstall", "64-bit" },
  { "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall", "32-bit" },
};
static const char *const filter_values[] = { "UpperFilters", "LowerFilters", NULL };

/* ---- data file ------------------------------------------------------ */

static bool
name_list (json_t *a, bool nonempty)
{
  size_t i;
  json_t *v;

  if (!json_is_array (a) || (nonempty && json_array_size (a) == 0))
    return false;
  json_array_foreach (a, i, v)
    if (!json_is_string (v) || json_string_length (v) == 0
        || json_string_length (v) > MAX_NAME_LEN)
      return false;
  return true;
}

static bool
check_product (json_t *root, json_t *p, size_t i)
{
  json_t *un = json_object_get (p, "uninstall"), *f, *s;
  const char *method = json_string_value (json_object_get (un, "method"));
  size_t k;

  if (!json_is_string (json_object_get (p, "id")) || !json_is_string (json_object_get (p, "title"))
      || !json_is_string (json_object_get (p, "hypervisor"))
      || !name_list (json_object_get (p, "keepOn"), false)
      || !name_list (json_object_get (p, "displayNameContains"), true)
      || !name_list (json_object_get (p, "markerServices"), false)
      || !name_list (json_object_get (p, "services"), false)
      || !name_list (json_object_get (p, "bootDrivers"), false)
      || !json_is_array (json_object_get (p, "filters"))
      || !name_list (json_object_get (p, "source"), true)
      || !json_is_boolean (json_object_get (p, "verified"))
      || method == NULL || (strcmp (method, "msi") != 0 && strcmp (method, "command") != 0))
    return ow_err_invalid ("source-tools.json: product %zu needs id, title, hypervisor, "
                           "keepOn, displayNameContains, markerServices, services, "
                           "bootDrivers, filters, source, verified and an uninstall "
                           "method \"msi\" or \"command\"", i), false;
  json_array_foreach (json_object_get (p, "source"), k, s)
    if (json_object_get (json_object_get (root, "sources"), json_string_value (s)) == NULL)
      return ow_err_invalid ("source-tools.json: product %zu cites an unknown source", i), false;
  json_array_foreach (json_object_get (p, "filters"), k, f)
    if (!json_is_string (json_object_get (f, "service"))
        || !json_is_string (json_object_get (f, "class"))
        || json_object_get (json_object_get (root, "classes"),
                            json_string_value (json_object_get (f, "class"))) == NULL)
      return ow_err_invalid ("source-tools.json: product %zu filter %zu needs a service "
                             "and a class listed in \"classes\"", i, k), false;
  /* A boot driver is a service too: it is disabled with them. */
  json_array_foreach (json_object_get (p, "bootDrivers"), k, s) {
    bool listed = false;
    size_t m;
    json_t *v;
    json_array_foreach (json_object_get (p, "services"), m, v)
      listed |= strcasecmp (json_string_value (v), json_string_value (s)) == 0;
    if (!listed)
      return ow_err_invalid ("source-tools.json: product %zu: boot driver %s is not in "
                             "its services", i, json_string_value (s)), false;
  }
  return true;
}

json_t *
ow_srctools_parse (const char *data, size_t len)
{
  json_error_t e;
  json_t *root = json_loadb (data, len, 0, &e), *p, *t;
  const char *k;
  size_t i;

  if (root == NULL) {
    ow_err_invalid ("source-tools.json: line %d: %s", e.line, e.text);
    return NULL;
  }
  if (json_integer_value (json_object_get (root, "schema")) != 1
      || !json_is_object (json_object_get (root, "sources"))
      || !json_is_object (json_object_get (root, "classes"))
      || !json_is_object (json_object_get (root, "targets"))
      || !json_is_array (json_object_get (root, "products"))) {
    ow_err_invalid ("source-tools.json: needs schema 1, sources, classes, targets, products");
    goto bad;
  }
  json_array_foreach (json_object_get (root, "products"), i, p)
    if (!check_product (root, p, i))
      goto bad;
  json_object_foreach (json_object_get (root, "targets"), k, t)
    if (!name_list (json_object_get (t, "bootStorage"), true)
        || !json_is_string (json_object_get (t, "why"))
        || json_object_get (json_object_get (root, "sources"),
                            json_string_value (json_object_get (t, "source"))) == NULL) {
      ow_err_invalid ("source-tools.json: target %s needs bootStorage, why and a source", k);
      goto bad;
    }
  return root;
 bad:
  json_decref (root);
  return NULL;
}

json_t *
ow_srctools_load (void)
{
  return ow_srctools_parse (ow_data_source_tools,
                            (size_t) (ow_data_source_tools_end - ow_data_source_tools));
}

/* ---- detection ------------------------------------------------------ */

static bool
contains_ci (const char *hay, const char *needle)
{
  size_t n = strlen (needle);

  for (; hay && *hay; hay++)
    if (strncasecmp (hay, needle, n) == 0)
      return true;
  return false;
}

static bool
in_names (json_t *names, const char *s)
{
  size_t i;
  json_t *v;

  json_array_foreach (names, i, v)
    if (strcasecmp (json_string_value (v), s) == 0)
      return true;
  return false;
}

/* "{8 4 4 4 12 hex}": an MSI product code (the Uninstall key's name). */
static bool
is_product_code (const char *s)
{
  static const char shape[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";

  if (strlen (s) != sizeof shape - 1)
    return false;
  for (size_t i = 0; shape[i]; i++)
    if (shape[i] == 'x' ? !isxdigit ((unsigned char) s[i]) : s[i] != shape[i])
      return false;
  return true;
}

static void
set_string (json_t *o, struct ow_hive *h, const char *key, const char *value, const char *as)
{
  char *s = NULL;

  if (ow_hive_get_string (h, key, value, &s) != 1)
    s = NULL;
  ow_json_set_str_take (o, as, s);
}

/* Uninstall entries of the product P in SOFTWARE, appended to OUT. */
static int
uninstall_entries (struct ow_hive *sw, json_t *p, json_t *out)
{
  for (size_t r = 0; r < sizeof uninstall_roots / sizeof uninstall_roots[0]; r++) {
    char **subs = ow_hive_subkeys (sw, uninstall_roots[r][0]);

    if (subs == NULL) {
      if (errno == ENOENT)
        continue;
      return -1;
    }
    for (size_t i = 0; subs[i]; i++) {
      char *key = NULL, *dn = NULL;
      size_t k;
      json_t *pat, *e;
      bool match = false;
      uint32_t wi = 0;

      if (asprintf (&key, "%s\\%s", uninstall_roots[r][0], subs[i]) == -1) {
        ow_strv_free (subs);
        return ow_err (ENOMEM, "out of memory");
      }
      if (ow_hive_get_string (sw, key, "DisplayName", &dn) != 1)
        dn = NULL;
      json_array_foreach (json_object_get (p, "displayNameContains"), k, pat)
        match |= dn && contains_ci (dn, json_string_value (pat));
      if (!match) {
        free (dn);
        free (key);
        continue;
      }
      e = json_pack ("{s:s, s:s, s:s}", "key", key, "view", uninstall_roots[r][1],
                     "displayName", dn);
      set_string (e, sw, key, "DisplayVersion", "displayVersion");
      set_string (e, sw, key, "Publisher", "publisher");
      json_object_set_new (e, "productCode", is_product_code (subs[i]) ? json_string (subs[i])
                                                                       : json_null ());
      set_string (e, sw, key, "UninstallString", "uninstallString");
      set_string (e, sw, key, "QuietUninstallString", "quietUninstallString");
      if (ow_hive_get_dword (sw, key, "WindowsInstaller", &wi) != 1)
        wi = 0;
      json_object_set_new (e, "windowsInstaller", json_boolean (wi == 1));
      json_array_append_new (out, e);
      free (dn);
      free (key);
    }
    ow_strv_free (subs);
  }
  return 0;
}

/* The product's services present in SYSTEM (ALL: the names under
 * Services, as stored), with Start and Type. */
static int
services_present (struct ow_hive *sys, const char *cs, char **all, json_t *p, json_t *out,
                  bool *marker)
{
  size_t i;
  json_t *s;

  *marker = false;
  json_array_foreach (json_object_get (p, "services"), i, s) {
    const char *name = NULL;
    char *key = NULL;
    uint32_t start, type;
    json_t *o;

    for (size_t k = 0; all && all[k] && name == NULL; k++)
      if (strcasecmp (all[k], json_string_value (s)) == 0)
        name = all[k];
    if (name == NULL)
      continue;
    if (asprintf (&key, "%s\\Services\\%s", cs, name) == -1)
      return ow_err (ENOMEM, "out of memory");
    o = json_pack ("{s:s, s:s}", "name", name, "key", key);
    json_object_set_new (o, "start", ow_hive_get_dword (sys, key, "Start", &start) == 1
                                     ? json_integer (start) : json_null ());
    json_object_set_new (o, "type", ow_hive_get_dword (sys, key, "Type", &type) == 1
                                    ? json_integer (type) : json_null ());
    set_string (o, sys, key, "ImagePath", "imagePath");
    json_object_set_new (o, "bootDriver", json_boolean (in_names (json_object_get (p, "bootDrivers"),
                                                                  name)));
    json_array_append_new (out, o);
    *marker |= in_names (json_object_get (p, "markerServices"), name);
    free (key);
  }
  return 0;
}

/* Every filter list under KEY (and, for Enum, its subkeys to DEPTH)
 * that names one of NAMES: {"key","value","list","names"} into OUT. */
static int
scan_filters (struct ow_hive *sys, const char *key, int depth, json_t *names, json_t *out)
{
  char **subs;

  for (size_t v = 0; filter_values[v] && depth == 0; v++) {
    char **list = NULL;
    json_t *hit = NULL;
    int r = ow_hive_get_multi_string (sys, key, filter_values[v], &list);

    /* A filter value of another type is not a list Windows reads as
     * one: nothing of ours to take out of it. */
    if (r != 1)
      continue;
    for (size_t i = 0; list[i]; i++)
      if (in_names (names, list[i])) {
        if (hit == NULL)
          hit = json_pack ("{s:s, s:s, s:o, s:[]}", "key", key, "value", filter_values[v],
                           "list", ow_json_strv (list), "names");
        json_array_append_new (json_object_get (hit, "names"), json_string (list[i]));
      }
    if (hit)
      json_array_append_new (out, hit);
    ow_strv_free (list);
  }
  if (depth == 0)
    return 0;
  subs = ow_hive_subkeys (sys, key);
  if (subs == NULL)
    return errno == ENOENT ? 0 : -1;
  for (size_t i = 0; subs[i]; i++) {
    char *sub = NULL;
    int r;
    if (asprintf (&sub, "%s\\%s", key, subs[i]) == -1) {
      ow_strv_free (subs);
      return ow_err (ENOMEM, "out of memory");
    }
    r = scan_filters (sys, sub, depth - 1, names, out);
    free (sub);
    if (r == -1) {
      ow_strv_free (subs);
      return -1;
    }
  }
  ow_strv_free (subs);
  return 0;
}

/* Filter lists naming any of NAMES: class keys, then device keys. */
int
ow_srctools_filters (struct ow_hive *sys, const char *cs, json_t *names, json_t *out)
{
  char *cls = NULL, *en = NULL;
  int r = -1;

  if (asprintf (&cls, "%s\\Control\\Class", cs) == -1 || asprintf (&en, "%s\\Enum", cs) == -1)
    ow_err (ENOMEM, "out of memory");
  else if (scan_filters (sys, cls, 1, names, out) == 0
           && scan_filters (sys, en, MAX_ENUM_DEPTH, names, out) == 0)
    r = 0;
  free (cls);
  free (en);
  return r;
}

/* The names a product's filters can carry: its services and filters. */
static json_t *
filter_names (json_t *p)
{
  json_t *names = json_deep_copy (json_object_get (p, "services")), *f;
  size_t i;

  json_array_foreach (json_object_get (p, "filters"), i, f)
    if (!in_names (names, json_string_value (json_object_get (f, "service"))))
      json_array_append (names, json_object_get (f, "service"));
  return names;
}

json_t *
ow_srctools_detect (struct ow_hive *sys, struct ow_hive *sw, const char *cs, json_t *table)
{
  json_t *found = json_array (), *p;
  char **all = NULL, *svc = NULL;
  size_t i;

  if (sys && cs) {
    if (asprintf (&svc, "%s\\Services", cs) == -1) {
      json_decref (found);
      ow_err (ENOMEM, "out of memory");
      return NULL;
    }
    all = ow_hive_subkeys (sys, svc);
    free (svc);
    if (all == NULL && errno != ENOENT) {
      json_decref (found);
      return NULL;
    }
  }
  json_array_foreach (json_object_get (table, "products"), i, p) {
    json_t *entries = json_array (), *svcs = json_array (), *filters = json_array ();
    json_t *names = filter_names (p);
    bool marker = false;
    int r = sw ? uninstall_entries (sw, p, entries) : 0;

    if (r == 0 && sys && cs)
      r = services_present (sys, cs, all, p, svcs, &marker);
    if (r == 0 && sys && cs && (json_array_size (entries) > 0 || marker))
      r = ow_srctools_filters (sys, cs, names, filters);
    json_decref (names);
    if (r == -1) {
      json_decref (entries);
      json_decref (svcs);
      json_decref (filters);
      json_decref (found);
      ow_strv_free (all);
      return NULL;
    }
    if (json_array_size (entries) == 0 && !marker) {
      json_decref (entries);
      json_decref (svcs);
      json_decref (filters);
      continue;
    }
    json_array_append_new (found, json_pack ("{s:O, s:O, s:O, s:o, s:o, s:o}",
        "id", json_object_get (p, "id"), "title", json_object_get (p, "title"),
        "hypervisor", json_object_get (p, "hypervisor"),
        "products", entries, "services", svcs, "filters", filters));
  }
  ow_strv_free (all);
  return found;
}

int
ow_win_srctools (struct ow_win_ctx *c, json_t *out)
{
  json_t *table, *found;

  if (c->software == NULL && c->system == NULL) {
    json_object_set_new (out, "sourceTools", json_array ());
    return 0;
  }
  table = ow_srctools_load ();
  if (table == NULL)
    return -1;
  found = ow_srctools_detect (c->system, c->software, c->control_set, table);
  json_decref (table);
  if (found == NULL)
    return -1;
  json_object_set_new (out, "sourceTools", found);
  return 0;
}
