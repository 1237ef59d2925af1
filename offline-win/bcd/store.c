/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A BCD store as JSON: every object and element (unknown ones as hex),
 * and the facts an operator needs when a migrated image does not boot:
 * the boot manager, its default loader with its devices mapped to this
 * disk's partitions, and the settings the loader ends up with once its
 * inherited settings groups are followed (docs/bcd.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "bcd.h"

/* A real store holds a few dozen objects of a few dozen elements. */
#define MAX_BCD_OBJECTS 1024
#define MAX_BCD_ELEMENTS 512
/* Settings groups inherit from each other; deeper chains are loops. */
#define MAX_INHERIT_DEPTH 8

const char *ow_bcd_alias_guid (const char *alias);

static void
problem (json_t *problems, const char *fmt, const char *a, const char *b)
{
  json_array_append_new (problems, json_sprintf (fmt, a ? a : "", b ? b : ""));
}

uint32_t
ow_bcd_object_type (struct ow_hive *hv, const char *guid)
{
  char *key = NULL;
  uint32_t t = 0;

  if (asprintf (&key, "Objects\\%s\\Description", guid) == -1)
    return 0;
  if (ow_hive_get_dword (hv, key, "Type", &t) != 1)
    t = 0;
  ow_error_clear ();
  free (key);
  return t;
}

static json_t *
object_json (struct ow_hive *hv, const char *guid, const struct ow_ptable *pt,
             json_t *problems)
{
  json_t *o = json_object (), *els = json_array ();
  uint32_t type = ow_bcd_object_type (hv, guid);
  enum ow_bcd_app app = ow_bcd_app_of_type (type);
  const char *alias = ow_bcd_object_alias (guid), *tn = ow_bcd_object_type_name (type);
  char *key = NULL, **ids = NULL;
  size_t n = 0;

  json_object_set_new (o, "id", json_string (guid));
  json_object_set_new (o, "alias", alias ? json_string (alias) : json_null ());
  json_object_set_new (o, "type", json_sprintf ("%08" PRIx32, type));
  json_object_set_new (o, "typeName", tn ? json_string (tn) : json_null ());
  if (type == 0)
    problem (problems, "object %s has no Description\\Type%s", guid, NULL);
  if (asprintf (&key, "Objects\\%s\\Elements", guid) != -1)
    ids = ow_hive_subkeys (hv, key);
  for (size_t i = 0; ids && ids[i] && n < MAX_BCD_ELEMENTS; i++, n++) {
    char *ek = NULL, *end = NULL;
    void *d = NULL;
    size_t len = 0;
    uint32_t t = 0;
    unsigned long id = strtoul (ids[i], &end, 16);

    if (strlen (ids[i]) != 8 || *end != '\0') {
      problem (problems, "object %s: element key '%s' is not 8 hex digits", guid, ids[i]);
      continue;
    }
    if (asprintf (&ek, "%s\\%s", key, ids[i]) == -1)
      break;
    if (ow_hive_get_raw (hv, ek, "Element", &t, &d, &len) == 1) {
      json_t *e = ow_bcd_element_json ((uint32_t) id, t, d, len, app, pt, problems);
      if (e)
        json_array_append_new (els, e);
    }
    else
      problem (problems, "object %s: element %s has no Element value", guid, ids[i]);
    ow_error_clear ();
    free (d);
    free (ek);
  }
  if (ids && ids[n])
    problem (problems, "object %s: more elements than read%s", guid, NULL);
  ow_strv_free (ids);
  ow_error_clear ();
  free (key);
  json_object_set_new (o, "elements", els);
  return o;
}

static json_t *
find_object (json_t *objects, const char *ref)
{
  const char *guid = ref && ref[0] == '{' && ow_bcd_alias_guid (ref) ? ow_bcd_alias_guid (ref) : ref;
  size_t i;
  json_t *o;

  json_array_foreach (objects, i, o)
    if (guid && strcasecmp (json_string_value (json_object_get (o, "id")), guid) == 0)
      return o;
  return NULL;
}

static json_t *
own_element (json_t *obj, uint32_t id)
{
  char want[9];
  size_t i;
  json_t *e;

  snprintf (want, sizeof want, "%08" PRIx32, id);
  json_array_foreach (json_object_get (obj, "elements"), i, e)
    if (strcmp (json_string_value (json_object_get (e, "id")), want) == 0)
      return e;
  return NULL;
}

/* Element ID as the object sees it: its own, else the first found in its
 * inherited objects, depth first, as the boot applications resolve it. */
static json_t *
effective (json_t *objects, json_t *obj, uint32_t id, int depth)
{
  json_t *e = obj ? own_element (obj, id) : NULL, *inh, *ref;
  size_t i;

  if (e || obj == NULL || depth >= MAX_INHERIT_DEPTH)
    return e;
  inh = json_object_get (own_element (obj, 0x14000006), "value");
  json_array_foreach (inh, i, ref)
    if ((e = effective (objects, find_object (objects, json_string_value (ref)), id,
                        depth + 1)) != NULL)
      return e;
  return NULL;
}

/* Summary field NAME: the value's name when it has one, else its value. */
static void
put (json_t *sum, json_t *objects, json_t *obj, const char *name, enum ow_bcd_app app)
{
  uint32_t id = ow_bcd_element_id (name, app);
  json_t *e = id ? effective (objects, obj, id, 0) : NULL;
  json_t *v = json_object_get (e, "valueName");

  if (v == NULL)
    v = json_object_get (e, "value");
  json_object_set (sum, name, v ? v : json_null ());
}

static json_t *
bootmgr_summary (json_t *objects, json_t *mgr)
{
  static const char *const fields[] = { "description", "device", "path", "default",
    "displayorder", "timeout", "displaybootmenu", "bootems", "integrityservices", NULL };
  json_t *s = json_object ();

  json_object_set (s, "id", json_object_get (mgr, "id"));
  for (size_t i = 0; fields[i]; i++)
    put (s, objects, mgr, fields[i], OW_BCD_APP_BOOTMGR);
  return s;
}

static json_t *
loader_summary (json_t *objects, json_t *ld)
{
  static const char *const fields[] = { "description", "device", "osdevice", "path",
    "systemroot", "bootstatuspolicy", "recoveryenabled", "recoverysequence", "ems", "debug",
    "bootdebug", "nx", "testsigning", "nointegritychecks", "integrityservices",
    "bootmenupolicy", "safeboot", "hypervisorlaunchtype", "locale", NULL };
  static const char *const ems[] = { "bootems", "emsport", "emsbaudrate", NULL };
  static const char *const dbg[] = { "debugtype", "debugport", "baudrate", NULL };
  json_t *s = json_object (), *e = json_object (), *d = json_object ();
  enum ow_bcd_app app = OW_BCD_APP_OSLOADER;

  json_object_set (s, "id", json_object_get (ld, "id"));
  json_object_set (s, "typeName", json_object_get (ld, "typeName"));
  for (size_t i = 0; fields[i]; i++)
    put (s, objects, ld, fields[i], app);
  for (size_t i = 0; ems[i]; i++)
    put (e, objects, ld, ems[i], app);
  for (size_t i = 0; dbg[i]; i++)
    put (d, objects, ld, dbg[i], app);
  json_object_set_new (s, "emsSettings", e);
  json_object_set_new (s, "debugSettings", d);
  return s;
}

static void
check_loader (json_t *sum, json_t *problems)
{
  static const char *const devs[] = { "device", "osdevice", NULL };

  for (size_t i = 0; devs[i]; i++) {
    json_t *dev = json_object_get (sum, devs[i]);
    if (!json_is_object (dev)) {
      problem (problems, "the default loader has no %s%s", devs[i], NULL);
      continue;
    }
    if (json_is_false (json_object_get (dev, "thisDisk")))
      problem (problems, "the default loader's %s names a partition of another disk "
               "(Windows stops with 0xc000000e): set it to the Windows partition%s",
               devs[i], NULL);
  }
  if (!json_is_string (json_object_get (sum, "path")))
    problem (problems, "the default loader has no path (winload)%s%s", NULL, NULL);
}

json_t *
ow_bcd_store_json (struct ow_hive *hv, const struct ow_ptable *pt)
{
  json_t *doc = json_object (), *objects = json_array (), *problems = json_array ();
  json_t *mgr, *def = NULL;
  char **guids;
  size_t n = 0;

  if (doc == NULL || objects == NULL || problems == NULL)
    goto oom;
  guids = ow_hive_subkeys (hv, "Objects");
  if (guids == NULL)
    problem (problems, "no Objects key: not a BCD store%s%s", NULL, NULL);
  for (; guids && guids[n] && n < MAX_BCD_OBJECTS; n++)
    json_array_append_new (objects, object_json (hv, guids[n], pt, problems));
  if (guids && guids[n])
    problem (problems, "more than %s objects: the rest is not shown%s", "1024", NULL);
  ow_strv_free (guids);
  ow_error_clear ();

  mgr = find_object (objects, OW_BCD_BOOTMGR_GUID);
  if (mgr == NULL && json_array_size (objects) > 0)
    problem (problems, "no {bootmgr} object: the store cannot boot Windows%s%s", NULL, NULL);
  if (mgr) {
    json_t *sum = bootmgr_summary (objects, mgr);
    const char *d = json_string_value (json_object_get (sum, "default"));
    json_object_set_new (doc, "bootmgr", sum);
    if (d == NULL)
      problem (problems, "{bootmgr} has no default entry%s%s", NULL, NULL);
    else if ((def = find_object (objects, d)) == NULL)
      problem (problems, "{bootmgr}'s default %s is not an object of the store%s", d, NULL);
  }
  if (def) {
    json_t *sum = loader_summary (objects, def);
    check_loader (sum, problems);
    json_object_set_new (doc, "default", sum);
  }
  else
    json_object_set_new (doc, "default", json_null ());
  json_object_set_new (doc, "objects", objects);
  json_object_set_new (doc, "problems", problems);
  return doc;
 oom:
  json_decref (doc);
  json_decref (objects);
  json_decref (problems);
  ow_err (ENOMEM, "out of memory");
  return NULL;
}

char *
ow_bcd_resolve_object (struct ow_hive *hv, const char *alias)
{
  char *r = NULL;
  const char *g;

  errno = 0;
  if (strcasecmp (alias, "{default}") == 0 || strcasecmp (alias, "{current}") == 0) {
    char *key = NULL;
    void *d = NULL;
    size_t len = 0;
    uint32_t t = 0;
    if (asprintf (&key, "Objects\\%s\\Elements\\23000003", OW_BCD_BOOTMGR_GUID) == -1)
      return NULL;
    if (ow_hive_get_raw (hv, key, "Element", &t, &d, &len) == 1 && t == 1)
      r = ow_reg_decode_sz (d, len);
    free (d);
    free (key);
    ow_error_clear ();
    errno = 0;
  }
  else if ((g = ow_bcd_alias_guid (alias)) != NULL)
    r = strdup (g);
  else
    r = strdup (alias);
  if (r && ow_bcd_object_type (hv, r) == 0) {
    free (r);
    r = NULL;
    errno = 0;
  }
  return r;
}
