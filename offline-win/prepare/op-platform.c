/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RDP switch and platform profile.  Every setting comes from one data
 * file, offline-win/data/platforms.json (embedded by data/data.S), so the
 * whole profile can be reviewed in one place; this file only interprets
 * it.  Each setting goes through ow_plan_reg_set*, so a value already as
 * wanted adds nothing (re-running the job plans zero changes). */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "prepare.h"

extern const char ow_data_platforms[], ow_data_platforms_end[];

/* Limits on the data file (it is ours, but a typo must not go unnoticed). */
#define MAX_FIELD_LEN   4096   /* key paths, value names, rule strings */
#define MAX_RULE_FIELDS 64     /* "|"-separated fields of a firewall rule */

/* Job value of "platform": the profiles the data file must define. */
static const char *const platform_names[] = {
  "azure", "aws", "gcp", "vsphere", "nutanix", "xenserver", NULL
};

/* Entry points for the tests (not in prepare.h: the lead owns it). */
json_t *ow_platforms_parse (const char *data, size_t len);
json_t *ow_platforms_load (void);
char *ow_platform_rule_enable (const char *rule, json_t *groups, bool *member);

/* ---- data file validation ------------------------------------------ */

static bool
str_field (json_t *o, const char *name, bool required)
{
  json_t *v = json_object_get (o, name);

  if (v == NULL)
    return !required;
  return json_is_string (v) && json_string_length (v) > 0
         && json_string_length (v) <= MAX_FIELD_LEN;
}

static bool
only_fields (json_t *o, const char *const *allowed, const char *where)
{
  const char *k;
  json_t *v;

  json_object_foreach (o, k, v) {
    bool ok = false;
    for (size_t i = 0; allowed[i]; i++)
      ok |= strcmp (k, allowed[i]) == 0;
    if (!ok) {
      ow_err_invalid ("platforms.json: %s: unknown field \"%s\"", where, k);
      return false;
    }
  }
  return true;
}

static bool
source_known (json_t *root, json_t *o)
{
  const char *s = json_string_value (json_object_get (o, "source"));
  return s && json_object_get (json_object_get (root, "sources"), s) != NULL;
}

/* Registry type name → number; 0 = not one we write. */
static uint32_t
reg_type (const char *name)
{
  if (name == NULL)
    return 0;
  if (strcmp (name, "REG_DWORD") == 0)
    return OW_REG_DWORD;
  if (strcmp (name, "REG_SZ") == 0)
    return OW_REG_SZ;
  if (strcmp (name, "REG_EXPAND_SZ") == 0)
    return OW_REG_EXPAND_SZ;
  if (strcmp (name, "REG_MULTI_SZ") == 0)
    return OW_REG_MULTI_SZ;
  return 0;
}

static bool
data_matches_type (uint32_t t, json_t *d)
{
  size_t i;
  json_t *s;

  switch (t) {
  case OW_REG_DWORD:
    return json_is_integer (d) && json_integer_value (d) >= 0
           && json_integer_value (d) <= 0xffffffffLL;
  case OW_REG_SZ: case OW_REG_EXPAND_SZ:
    return json_is_string (d);
  case OW_REG_MULTI_SZ:
    if (!json_is_array (d))
      return false;
    json_array_foreach (d, i, s)
      if (!json_is_string (s) || json_string_length (s) == 0)
        return false;
    return true;
  }
  return false;
}

static bool
check_setting (json_t *root, json_t *s, const char *where)
{
  static const char *const fields[] = {
    "hive", "key", "value", "type", "data", "action", "keep", "why", "source",
    "onlyIfKeyExists", "onlyIfValueExists", NULL
  };
  const char *hive = json_string_value (json_object_get (s, "hive"));
  const char *action = json_string_value (json_object_get (s, "action"));
  json_t *keep = json_object_get (s, "keep");

  if (!json_is_object (s))
    return ow_err_invalid ("platforms.json: %s: a setting must be an object", where), false;
  if (!only_fields (s, fields, where))
    return false;
  if (hive == NULL || (strcmp (hive, "SYSTEM") != 0 && strcmp (hive, "SOFTWARE") != 0))
    return ow_err_invalid ("platforms.json: %s: \"hive\" must be SYSTEM or SOFTWARE", where), false;
  if (!str_field (s, "key", true) || !str_field (s, "why", true) || !source_known (root, s))
    return ow_err_invalid ("platforms.json: %s: needs \"key\", \"why\" and a \"source\" "
                           "listed in \"sources\"", where), false;
  if (action == NULL || strcmp (action, "set") == 0) {
    uint32_t t = reg_type (json_string_value (json_object_get (s, "type")));
    if (!str_field (s, "value", true) || t == 0
        || !data_matches_type (t, json_object_get (s, "data")))
      return ow_err_invalid ("platforms.json: %s: a set needs \"value\", a \"type\" "
                             "(REG_DWORD, REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ) and "
                             "\"data\" of that type", where), false;
  }
  else if (strcmp (action, "delete") == 0) {
    if (!str_field (s, "value", true))
      return ow_err_invalid ("platforms.json: %s: delete needs \"value\"", where), false;
  }
  else if (strcmp (action, "delete-all-values") != 0)
    return ow_err_invalid ("platforms.json: %s: unknown action \"%s\"", where, action), false;
  if (keep && (!json_is_array (keep) || !data_matches_type (OW_REG_MULTI_SZ, keep)))
    return ow_err_invalid ("platforms.json: %s: \"keep\" must be an array of names", where), false;
  if (json_object_get (s, "onlyIfKeyExists") && !json_is_boolean (json_object_get (s, "onlyIfKeyExists")))
    return ow_err_invalid ("platforms.json: %s: onlyIfKeyExists must be a boolean", where), false;
  if (json_object_get (s, "onlyIfValueExists") && !json_is_boolean (json_object_get (s, "onlyIfValueExists")))
    return ow_err_invalid ("platforms.json: %s: onlyIfValueExists must be a boolean", where), false;
  return true;
}

static bool
check_settings (json_t *root, json_t *arr, const char *where)
{
  size_t i;
  json_t *s;
  char w[128];

  if (!json_is_array (arr))
    return ow_err_invalid ("platforms.json: %s: \"settings\" must be an array", where), false;
  json_array_foreach (arr, i, s) {
    snprintf (w, sizeof w, "%s setting %zu", where, i);
    if (!check_setting (root, s, w))
      return false;
  }
  return true;
}

static bool
check_firewall (json_t *root, json_t *fw)
{
  json_t *groups = json_object_get (fw, "groups"), *rules = json_object_get (fw, "rules"), *r;
  size_t i;

  if (!json_is_object (fw) || !str_field (fw, "key", true) || !str_field (fw, "why", true)
      || !source_known (root, fw) || !data_matches_type (OW_REG_MULTI_SZ, groups)
      || json_array_size (groups) == 0 || !json_is_array (rules))
    return ow_err_invalid ("platforms.json: rdp.firewall needs \"key\", \"groups\" "
                           "(non-empty), \"rules\", \"why\", \"source\""), false;
  json_array_foreach (rules, i, r) {
    if (!json_is_object (r) || !str_field (r, "name", true) || !str_field (r, "data", true)
        || !str_field (r, "why", true) || !source_known (root, r))
      return ow_err_invalid ("platforms.json: rdp.firewall rule %zu needs \"name\", "
                             "\"data\", \"why\", \"source\"", i), false;
  }
  return true;
}

/* What driver injection needs of each driver a platform lists: its role,
 * the hardware IDs the target presents (bus prefixes we know), the in-box
 * driver that serves them if any, a variant the driver applies to only
 * (the VM size or disk interface the job picks), and registry values the
 * service needs.  Every fact has its own source. */
static const char *const driver_roles[] = { "bootStorage", "network", "other", NULL };
static const char *const hwid_buses[] = { "PCI\\", "VMBUS\\", "XENBUS\\", "XENVIF\\", NULL };

static bool
source_named (json_t *root, json_t *o, const char *field)
{
  const char *s = json_string_value (json_object_get (o, field));
  return s && json_object_get (json_object_get (root, "sources"), s) != NULL;
}

static bool
one_of (const char *s, const char *const *list, bool prefix)
{
  for (size_t i = 0; s && list[i]; i++)
    if (prefix ? strncmp (s, list[i], strlen (list[i])) == 0 : strcmp (s, list[i]) == 0)
      return true;
  return false;
}

static bool
hwid_ok (json_t *v)
{
  const char *s = json_string_value (v);

  if (s == NULL || json_string_length (v) > MAX_FIELD_LEN || !one_of (s, hwid_buses, true))
    return false;
  /* One INF model-line token; upper case but for a {GUID} (VMBus class
   * IDs are written in lower case). */
  for (bool guid = false; *s; s++) {
    guid = *s == '{' ? true : *s == '}' ? false : guid;
    if (*s <= ' ' || *s == ',' || *s == ';' || *s == '"' || (*s >= 'a' && *s <= 'z' && !guid))
      return false;
  }
  return true;
}

static bool
check_driver (json_t *root, const char *name, size_t i, json_t *d)
{
  static const char *const fields[] = {
    "service", "what", "source", "role", "hardwareIds", "hardwareIdsSource", "inbox",
    "inboxSource", "variant", "when", "registry", NULL
  };
  json_t *ids = json_object_get (d, "hardwareIds"), *reg = json_object_get (d, "registry"), *v;
  char w[128];
  size_t k;

  if (!json_is_object (d) || !str_field (d, "service", true) || !str_field (d, "what", true)
      || !source_known (root, d))
    return ow_err_invalid ("platforms.json: platform %s driver %zu needs \"service\", "
                           "\"what\", \"source\"", name, i), false;
  snprintf (w, sizeof w, "platform %s driver %zu", name, i);
  if (!only_fields (d, fields, w))
    return false;
  if (!one_of (json_string_value (json_object_get (d, "role")), driver_roles, false))
    return ow_err_invalid ("platforms.json: %s: \"role\" must be bootStorage, network or "
                           "other", w), false;
  if (!json_is_array (ids) || json_array_size (ids) == 0 || !source_named (root, d, "hardwareIdsSource"))
    return ow_err_invalid ("platforms.json: %s: needs \"hardwareIds\" (non-empty) and a "
                           "\"hardwareIdsSource\" listed in \"sources\"", w), false;
  json_array_foreach (ids, k, v)
    if (!hwid_ok (v))
      return ow_err_invalid ("platforms.json: %s: hardware ID %zu is not one upper-case "
                             "PCI\\, VMBUS\\, XENBUS\\ or XENVIF\\ ID", w, k), false;
  if (json_object_get (d, "inbox")
      && (!str_field (d, "inbox", true) || !source_named (root, d, "inboxSource")))
    return ow_err_invalid ("platforms.json: %s: \"inbox\" needs an \"inboxSource\" listed in "
                           "\"sources\"", w), false;
  if (!json_object_get (d, "inbox") && json_object_get (d, "inboxSource"))
    return ow_err_invalid ("platforms.json: %s: \"inboxSource\" without \"inbox\"", w), false;
  if (!str_field (d, "variant", false) || !str_field (d, "when", false)
      || !json_object_get (d, "variant") != !json_object_get (d, "when"))
    return ow_err_invalid ("platforms.json: %s: \"variant\" and \"when\" go together", w), false;
  if (reg && !json_is_array (reg))
    return ow_err_invalid ("platforms.json: %s: \"registry\" must be an array", w), false;
  json_array_foreach (reg, k, v) {
    static const char *const rfields[] = { "key", "value", "type", "data", "why", "source", NULL };
    const char *key = json_string_value (json_object_get (v, "key"));
    uint32_t t = reg_type (json_string_value (json_object_get (v, "type")));

    if (!json_is_object (v) || !only_fields (v, rfields, w) || !str_field (v, "key", true)
        || key[0] == '\\' || !str_field (v, "value", true) || !str_field (v, "why", true)
        || !source_known (root, v) || t == 0 || !data_matches_type (t, json_object_get (v, "data")))
      return ow_err_invalid ("platforms.json: %s: registry %zu needs \"key\" (below the "
                             "service key), \"value\", \"type\", \"data\" of that type, "
                             "\"why\", \"source\"", w, k), false;
  }
  return true;
}

/* A "bcd" section: settings (and for a platform, its serialConsole
 * default and serial group), every setting a known element with a value
 * of its kind and a known source. */
static bool
check_bcd (json_t *root, json_t *b, const char *name, bool platform)
{
  static const char *const groups[] = { "settings", "serial", NULL };
  json_t *v;
  size_t i;

  if (b == NULL)
    return true;
  if (!json_is_object (b) || (platform && !json_is_boolean (json_object_get (b, "serialConsole"))))
    return ow_err_invalid ("platforms.json: %s: \"bcd\" needs \"serialConsole\", "
                           "\"settings\", \"serial\"", name), false;
  for (size_t g = 0; groups[g]; g++) {
    json_t *l = json_object_get (b, groups[g]);
    if (l == NULL && (!platform || g == 0))
      continue;
    if (!json_is_array (l))
      return ow_err_invalid ("platforms.json: %s: bcd %s is not an array", name, groups[g]), false;
    json_array_foreach (l, i, v)
      if (!ow_bcd_setting_valid (v) || !source_known (root, v))
        return ow_err_invalid ("platforms.json: %s: bcd %s %zu: %s", name, groups[g], i,
                               ow_error_message ()), false;
  }
  return true;
}

static bool
check_platform (json_t *root, const char *name, json_t *p)
{
  static const char *const fields[] = { "title", "use", "drivers", "notes", "bcd", NULL };
  json_t *use = json_object_get (p, "use"), *drivers = json_object_get (p, "drivers");
  json_t *notes = json_object_get (p, "notes"), *v;
  size_t i;

  if (!json_is_object (p))
    return ow_err_invalid ("platforms.json: platform %s is missing", name), false;
  if (!only_fields (p, fields, name))
    return false;
  if (!str_field (p, "title", true) || !json_is_array (use)
      || (drivers && !json_is_array (drivers))
      || (notes && !data_matches_type (OW_REG_MULTI_SZ, notes)))
    return ow_err_invalid ("platforms.json: platform %s needs \"title\" and \"use\"; "
                           "\"drivers\" and \"notes\" are arrays", name), false;
  json_array_foreach (use, i, v) {
    if (!json_is_string (v)
        || !json_is_object (json_object_get (json_object_get (root, "sets"), json_string_value (v))))
      return ow_err_invalid ("platforms.json: platform %s uses an unknown set", name), false;
  }
  json_array_foreach (drivers, i, v)
    if (!check_driver (root, name, i, v))
      return false;
  return check_bcd (root, json_object_get (p, "bcd"), name, true);
}

/* Parse and check the whole table: every later lookup can then trust it. */
json_t *
ow_platforms_parse (const char *data, size_t len)
{
  json_error_t e;
  json_t *root = json_loadb (data, len, 0, &e), *sets, *rdp, *set;
  const char *k;

  if (root == NULL) {
    ow_err_invalid ("platforms.json: line %d: %s", e.line, e.text);
    return NULL;
  }
  sets = json_object_get (root, "sets");
  rdp = json_object_get (root, "rdp");
  if (json_integer_value (json_object_get (root, "schema")) != 1
      || !json_is_object (json_object_get (root, "sources")) || !json_is_object (sets)
      || !json_is_object (rdp) || !json_is_object (json_object_get (root, "platforms"))) {
    ow_err_invalid ("platforms.json: needs schema 1, \"sources\", \"rdp\", \"sets\", \"platforms\"");
    goto bad;
  }
  if (!check_settings (root, json_object_get (rdp, "settings"), "rdp")
      || !check_firewall (root, json_object_get (rdp, "firewall")))
    goto bad;
  json_object_foreach (sets, k, set) {
    if (!json_is_object (set) || !str_field (set, "title", true)) {
      ow_err_invalid ("platforms.json: set %s needs \"title\" and \"settings\"", k);
      goto bad;
    }
    if (!check_settings (root, json_object_get (set, "settings"), k))
      goto bad;
  }
  if (!check_bcd (root, json_object_get (root, "bcdSerialOn"), "bcdSerialOn", false)
      || !check_bcd (root, json_object_get (root, "bcdSerialOff"), "bcdSerialOff", false))
    goto bad;
  for (size_t i = 0; platform_names[i]; i++)
    if (!check_platform (root, platform_names[i],
                         json_object_get (json_object_get (root, "platforms"), platform_names[i])))
      goto bad;
  return root;
 bad:
  json_decref (root);
  return NULL;
}

json_t *
ow_platforms_load (void)
{
  return ow_platforms_parse (ow_data_platforms,
                             (size_t) (ow_data_platforms_end - ow_data_platforms));
}

/* ---- applying settings --------------------------------------------- */

/* KEY with every "{CS}" replaced by the control set. */
static char *
expand_cs (const char *key, const char *cs)
{
  size_t n = 0, cslen = strlen (cs);
  const char *p;
  char *out, *o;

  for (p = key; (p = strstr (p, "{CS}")); p += 4)
    n++;
  out = malloc (strlen (key) + n * cslen + 1);
  if (out == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  for (o = out, p = key; *p; ) {
    if (strncmp (p, "{CS}", 4) == 0) {
      memcpy (o, cs, cslen);
      o += cslen;
      p += 4;
    }
    else
      *o++ = *p++;
  }
  *o = '\0';
  return out;
}

/* What one operation run did, for its step message. */
struct tally {
  size_t planned, absent;
};

static struct ow_hive *
hive_of (struct ow_prep_ctx *ctx, const char *name)
{
  return strcmp (name, "SYSTEM") == 0 ? ctx->system : ctx->software;
}

/* Attach the data file's "why" to the change(s) just added. */
static int
annotate (struct ow_plan *plan, size_t from, const char *why)
{
  for (size_t i = from; i < plan->n; i++) {
    if (plan->v[i].note)
      continue;
    plan->v[i].note = strdup (why);
    if (plan->v[i].note == NULL)
      return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

static bool
in_list (json_t *names, const char *s)
{
  size_t i;
  json_t *v;

  json_array_foreach (names, i, v)
    if (strcasecmp (json_string_value (v), s) == 0)
      return true;
  return false;
}

static int
delete_all_values (struct ow_plan *plan, const char *step, struct ow_hive *hv,
                   const char *hname, const char *key, json_t *keep)
{
  char **names = ow_hive_value_names (hv, key);
  int r = 0;

  if (names == NULL)
    return errno == ENOENT ? 0 : -1;
  for (size_t i = 0; names[i] && r == 0; i++)
    if (!in_list (keep, names[i]))
      r = ow_plan_reg_delete (plan, step, hv, hname, key, names[i]);
  ow_strv_free (names);
  return r;
}

static int
set_value (struct ow_plan *plan, const char *step, struct ow_hive *hv,
           const char *hname, const char *key, json_t *s)
{
  const char *value = json_string_value (json_object_get (s, "value"));
  uint32_t t = reg_type (json_string_value (json_object_get (s, "type")));
  json_t *d = json_object_get (s, "data");
  const char **v;
  size_t n, i;
  json_t *e;
  int r;

  if (t == OW_REG_DWORD)
    return ow_plan_reg_set_dword (plan, step, hv, hname, key, value,
                                  (uint32_t) json_integer_value (d));
  if (t != OW_REG_MULTI_SZ)
    return ow_plan_reg_set_string (plan, step, hv, hname, key, value, t,
                                   json_string_value (d));
  n = json_array_size (d);
  v = calloc (n + 1, sizeof *v);
  if (v == NULL)
    return ow_err (ENOMEM, "out of memory");
  json_array_foreach (d, i, e)
    v[i] = json_string_value (e);
  r = ow_plan_reg_set_multi (plan, step, hv, hname, key, value, v, n);
  free (v);
  return r;
}

/* 1 = skipped because the key / value it is conditional on is absent. */
static int
condition_absent (struct ow_hive *hv, const char *key, json_t *s)
{
  if (json_is_true (json_object_get (s, "onlyIfKeyExists"))) {
    int r = ow_hive_key_exists (hv, key);
    if (r <= 0)
      return r == 0 ? 1 : -1;
  }
  if (json_is_true (json_object_get (s, "onlyIfValueExists"))) {
    uint32_t t;
    void *d = NULL;
    size_t len;
    int r = ow_hive_get_raw (hv, key, json_string_value (json_object_get (s, "value")),
                             &t, &d, &len);
    free (d);
    if (r <= 0)
      return r == 0 ? 1 : -1;
  }
  return 0;
}

static int
apply_setting (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *step,
               json_t *s, struct tally *t)
{
  const char *hname = json_string_value (json_object_get (s, "hive"));
  const char *action = json_string_value (json_object_get (s, "action"));
  struct ow_hive *hv = hive_of (ctx, hname);
  size_t before = plan->n;
  char *key;
  int r;

  if (hv == NULL)
    return ow_err (ENOENT, "%s: the %s hive is not loaded", step, hname);
  key = expand_cs (json_string_value (json_object_get (s, "key")), ctx->control_set);
  if (key == NULL)
    return -1;
  r = condition_absent (hv, key, s);
  if (r == 1) {
    t->absent++;
    r = 0;
  }
  else if (r == 0 && action && strcmp (action, "delete-all-values") == 0)
    r = delete_all_values (plan, step, hv, hname, key, json_object_get (s, "keep"));
  else if (r == 0 && action && strcmp (action, "delete") == 0)
    r = ow_plan_reg_delete (plan, step, hv, hname, key,
                            json_string_value (json_object_get (s, "value")));
  else if (r == 0)
    r = set_value (plan, step, hv, hname, key, s);
  free (key);
  if (r == 0)
    r = annotate (plan, before, json_string_value (json_object_get (s, "why")));
  t->planned += plan->n - before;
  return r;
}

static int
apply_settings (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *step,
                json_t *settings, struct tally *t)
{
  size_t i;
  json_t *s;

  json_array_foreach (settings, i, s)
    if (apply_setting (ctx, plan, step, s, t) == -1)
      return -1;
  return 0;
}

/* ---- firewall rules ------------------------------------------------ */

/* Split a rule string at '|' into at most MAX_RULE_FIELDS fields (in
 * place).  Returns the count, -1 if there are more. */
static int
rule_fields (char *s, char **f)
{
  int n = 0;

  for (char *p = s; ; ) {
    char *bar = strchr (p, '|');
    if (n == MAX_RULE_FIELDS)
      return -1;
    f[n++] = p;
    if (bar == NULL)
      break;
    *bar = '\0';
    p = bar + 1;
  }
  return n;
}

static bool
field_is (const char *f, const char *name, const char **val)
{
  size_t n = strlen (name);

  if (strncasecmp (f, name, n) != 0 || f[n] != '=')
    return false;
  *val = f + n + 1;
  return true;
}

/* RULE enabled: a copy with Active=TRUE, or NULL if nothing to change
 * (*MEMBER says whether the rule belongs to one of GROUPS).  Every Active
 * field is set: a rule string from the disk may hold more than one, and
 * whichever the firewall reads must say TRUE (found by fuzzing). */
char *
ow_platform_rule_enable (const char *rule, json_t *groups, bool *member)
{
  char *copy = strdup (rule), *f[MAX_RULE_FIELDS], *out = NULL;
  bool off[MAX_RULE_FIELDS];
  const char *val;
  int n, inactive = 0;

  *member = false;
  if (copy == NULL)
    return NULL;
  n = rule_fields (copy, f);
  for (int i = 0; i < n; i++) {
    if (field_is (f[i], "EmbedCtxt", &val) && in_list (groups, val))
      *member = true;
    off[i] = field_is (f[i], "Active", &val) && strcasecmp (val, "TRUE") != 0;
    inactive += off[i];
  }
  /* The shortest field replaced, "Active=", grows by 4 bytes. */
  if (*member && inactive > 0 && (out = malloc (strlen (rule) + 4 * (size_t) inactive + 1))) {
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
      strcat (out, off[i] ? "Active=TRUE" : f[i]);
      if (i + 1 < n)
        strcat (out, "|");
    }
  }
  free (copy);
  return out;
}

/* Enable every existing rule of the group. *SEEN counts its rules. */
static int
enable_group (struct ow_plan *plan, struct ow_hive *hv, const char *key,
              json_t *groups, size_t *seen)
{
  char **names = ow_hive_value_names (hv, key);
  int r = 0;

  if (names == NULL)
    return errno == ENOENT ? 0 : -1;
  for (size_t i = 0; names[i] && r == 0; i++) {
    uint32_t t;
    void *d = NULL;
    size_t len;
    char *s, *on;
    bool member;

    r = ow_hive_get_raw (hv, key, names[i], &t, &d, &len);
    if (r == 1 && (t == OW_REG_SZ || t == OW_REG_EXPAND_SZ)
        && (s = ow_reg_decode_sz (d, len)) != NULL) {
      on = ow_platform_rule_enable (s, groups, &member);
      *seen += member;
      r = on ? ow_plan_reg_set_string (plan, "rdp", hv, "SYSTEM", key, names[i], t, on) : 0;
      free (on);
      free (s);
    }
    else if (r == 1)
      r = 0;
    free (d);
  }
  ow_strv_free (names);
  return r;
}

static int
rdp_firewall (struct ow_prep_ctx *ctx, struct ow_plan *plan, json_t *fw, size_t *seen)
{
  json_t *rules = json_object_get (fw, "rules"), *rule;
  size_t before = plan->n, i;
  char *key = expand_cs (json_string_value (json_object_get (fw, "key")), ctx->control_set);
  int r;

  if (key == NULL)
    return -1;
  r = enable_group (plan, ctx->system, key, json_object_get (fw, "groups"), seen);
  if (r == 0)
    r = annotate (plan, before, json_string_value (json_object_get (fw, "why")));
  json_array_foreach (rules, i, rule) {
    const char *name = json_string_value (json_object_get (rule, "name"));
    uint32_t t;
    void *d = NULL;
    size_t len;

    if (r != 0)
      break;
    r = ow_hive_get_raw (ctx->system, key, name, &t, &d, &len);
    free (d);
    if (r == 0) {
      before = plan->n;
      r = ow_plan_reg_set_string (plan, "rdp", ctx->system, "SYSTEM", key, name, OW_REG_SZ,
                                  json_string_value (json_object_get (rule, "data")));
      if (r == 0)
        r = annotate (plan, before, json_string_value (json_object_get (rule, "why")));
    }
    else if (r == 1)
      r = 0;
  }
  free (key);
  return r;
}

static int
op_rdp (struct ow_prep_ctx *ctx, struct ow_plan *plan, json_t *table)
{
  json_t *rdp = json_object_get (table, "rdp");
  struct tally t = { 0, 0 };
  size_t before = plan->n, group_rules = 0;

  if (ctx->system == NULL) {
    ow_plan_step (plan, "rdp", OW_STEP_FAILED, "the SYSTEM hive is not available");
    return 0;
  }
  if (apply_settings (ctx, plan, "rdp", json_object_get (rdp, "settings"), &t) == -1
      || rdp_firewall (ctx, plan, json_object_get (rdp, "firewall"), &group_rules) == -1)
    return -1;
  ow_plan_step (plan, "rdp", plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                "Remote Desktop on with NLA on port 3389, firewall group \"Remote Desktop\" "
                "enabled (%zu existing rules in the group): %zu changes",
                group_rules, plan->n - before);
  return 0;
}

/* ---- platform profile ---------------------------------------------- */

/* Driver services the platform needs that the image lacks, as a
 * ", "-separated list ("" if none). */
static char *
missing_drivers (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *platform,
                 json_t *drivers)
{
  char *list = NULL;
  size_t len = 0, i;
  FILE *f = open_memstream (&list, &len);
  json_t *d;
  int n = 0;

  if (f == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  json_array_foreach (drivers, i, d) {
    const char *svc = json_string_value (json_object_get (d, "service"));
    char *key = NULL;
    int r = asprintf (&key, "%s\\Services\\%s", ctx->control_set, svc) < 0 ? -1
            : ow_hive_key_exists (ctx->system, key);

    free (key);
    if (r == -1) {
      fclose (f);
      free (list);
      return NULL;
    }
    if (r == 0) {
      const char *when = json_string_value (json_object_get (d, "when"));
      fprintf (f, "%s%s", n++ ? ", " : "", svc);
      ow_plan_note (plan, "platform %s: driver service %s (%s%s%s) is not registered in the "
                    "image: make sure it is installed before the first boot on %s (the "
                    "drivers step says what was supplied)", platform, svc,
                    json_string_value (json_object_get (d, "what")),
                    when ? "; needed for " : "", when ? when : "", platform);
    }
  }
  fclose (f);
  return list;
}

static int
op_profile (struct ow_prep_ctx *ctx, struct ow_plan *plan, json_t *table, const char *name)
{
  json_t *p = json_object_get (json_object_get (table, "platforms"), name);
  json_t *use = json_object_get (p, "use"), *u, *note;
  struct tally t = { 0, 0 };
  size_t before = plan->n, i;
  char *missing;

  if (p == NULL) {
    ow_plan_step (plan, "platform", OW_STEP_FAILED, "unknown platform \"%s\"", name);
    return 0;
  }
  if (ctx->system == NULL) {
    ow_plan_step (plan, "platform", OW_STEP_FAILED, "the SYSTEM hive is not available");
    return 0;
  }
  json_array_foreach (use, i, u) {
    json_t *set = json_object_get (json_object_get (table, "sets"), json_string_value (u));
    if (apply_settings (ctx, plan, "platform", json_object_get (set, "settings"), &t) == -1)
      return -1;
  }
  missing = missing_drivers (ctx, plan, name, json_object_get (p, "drivers"));
  if (missing == NULL)
    return -1;
  json_array_foreach (json_object_get (p, "notes"), i, note)
    ow_plan_note (plan, "platform %s: %s", name, json_string_value (note));
  ow_plan_step (plan, "platform", plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                "%s profile: %zu changes, %zu settings skipped (their service or value is "
                "not in the image), drivers not found: %s; BCD settings: step bcd", name, plan->n - before, t.absent,
                *missing ? missing : "none");
  free (missing);
  return 0;
}

int
ow_op_platform (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  json_t *platform = json_object_get (ctx->job, "platform");
  bool rdp = json_is_true (json_object_get (ctx->job, "enableRdp"));
  json_t *table;
  int r = 0;

  if (!rdp && platform == NULL)
    return 0;
  table = ow_platforms_load ();
  if (table == NULL)
    return -1;
  if (rdp)
    r = op_rdp (ctx, plan, table);
  if (r == 0 && platform) {
    if (json_is_string (platform))
      r = op_profile (ctx, plan, table, json_string_value (platform));
    else
      ow_plan_step (plan, "platform", OW_STEP_FAILED, "\"platform\" must be a string");
  }
  json_decref (table);
  return r;
}
