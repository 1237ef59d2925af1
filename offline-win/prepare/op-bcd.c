/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The boot configuration a platform needs (platforms.json, each
 * platform's "bcd"): elements of the BCD store set by bcdedit name on
 * {bootmgr}, {default} (the boot manager's default loader; {current}
 * offline) or {emssettings}, plus the serial console group when the job's
 * serialConsole (else the platform's default) says so, or EMS off when the
 * job sets serialConsole false.  Each element is a registry value of the
 * store (Objects\{guid}\Elements\<id>\Element) planned like any other: old
 * and new in the plan, nothing when it already has the value.  The store
 * is written only where the job journal covers it (on the Windows volume);
 * elsewhere the step fails with the bcdedit commands, and nothing of the
 * store is written (docs/crash-safety.md, "The BCD store"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "bcd/bcd.h"
#include "prepare.h"

json_t *ow_platforms_load (void);

#define STEP "bcd"

static enum ow_bcd_app
app_of_alias (const char *alias)
{
  if (strcasecmp (alias, "{bootmgr}") == 0)
    return OW_BCD_APP_BOOTMGR;
  if (strcasecmp (alias, "{default}") == 0 || strcasecmp (alias, "{current}") == 0)
    return OW_BCD_APP_OSLOADER;
  return OW_BCD_APP_NONE;
}

/* The element id and Element data of setting S ({"object","element","value"}),
 * by the kind of object its alias names. */
static int
setting_encode (const json_t *s, uint32_t *id, uint32_t *t, void **data, size_t *len)
{
  const char *obj = json_string_value (json_object_get (s, "object"));
  const char *el = json_string_value (json_object_get (s, "element"));
  json_t *v = json_object_get (s, "value"), *num = NULL;
  enum ow_bcd_app app;
  int r;

  if (obj == NULL || el == NULL || v == NULL)
    return ow_err_invalid ("a BCD setting needs \"object\", \"element\", \"value\"");
  app = app_of_alias (obj);
  *id = ow_bcd_element_id (el, app);
  if (*id == 0)
    return ow_err_invalid ("BCD element \"%s\" is not known for %s", el, obj);
  if (json_is_string (v)) {
    int64_t x = ow_bcd_value_of_name (*id, app, json_string_value (v));
    if (x < 0)
      return ow_err_invalid ("BCD element %s has no value named \"%s\"", el,
                             json_string_value (v));
    v = num = json_integer (x);
  }
  r = ow_bcd_element_encode (*id, v, t, data, len);
  json_decref (num);
  return r;
}

bool
ow_bcd_setting_valid (const json_t *s)
{
  uint32_t id, t;
  void *d = NULL;
  size_t len;
  bool ok = json_is_string (json_object_get (s, "why")) &&
            json_is_string (json_object_get (s, "source")) &&
            setting_encode (s, &id, &t, &d, &len) == 0;

  free (d);
  return ok;
}

/* The settings this job asks for, in order (borrowed references). */
static json_t *
wanted (json_t *table, const json_t *job, const char **why)
{
  const char *name = json_string_value (json_object_get (job, "platform"));
  json_t *serial = json_object_get (job, "serialConsole");
  json_t *bcd = name ? json_object_get (json_object_get (json_object_get (table, "platforms"),
                                                         name), "bcd") : NULL;
  json_t *list = json_array (), *v;
  bool on;
  size_t i;

  json_array_extend (list, json_object_get (bcd, "settings"));
  on = json_is_boolean (serial) ? json_is_true (serial)
                                : json_is_true (json_object_get (bcd, "serialConsole"));
  if (on)
    json_array_extend (list, bcd ? json_object_get (bcd, "serial")
                                 : json_object_get (json_object_get (table, "bcdSerialOn"),
                                                    "settings"));
  else if (json_is_false (serial))
    json_array_foreach (json_object_get (json_object_get (table, "bcdSerialOff"), "settings"), i, v)
      json_array_append (list, v);
  *why = on ? (json_is_boolean (serial) ? "serial console on (job)" : "serial console on (platform default)")
            : json_is_false (serial) ? "serial console off (job)" : "serial console not asked for";
  return list;
}

/* The bcdedit command for setting S, for messages and notes. */
static char *
bcdedit_cmd (const json_t *s)
{
  char *c = NULL;
  json_t *v = json_object_get (s, "value");
  const char *obj = json_string_value (json_object_get (s, "object"));
  const char *el = json_string_value (json_object_get (s, "element"));

  if (json_is_boolean (v))
    (void) !asprintf (&c, "bcdedit /set %s %s %s", obj, el, json_is_true (v) ? "yes" : "no");
  else if (json_is_integer (v))
    (void) !asprintf (&c, "bcdedit /set %s %s %" JSON_INTEGER_FORMAT, obj, el, json_integer_value (v));
  else
    (void) !asprintf (&c, "bcdedit /set %s %s %s", obj, el, json_string_value (v));
  return c;
}

static int
plan_setting (struct ow_prep_ctx *ctx, struct ow_plan *plan, const json_t *s)
{
  const char *obj = json_string_value (json_object_get (s, "object"));
  char *guid = ow_bcd_resolve_object (ctx->bcd, obj), *key = NULL, *cmd;
  uint32_t id, t;
  void *d = NULL;
  size_t len, before = plan->n;
  int r = -1;

  if (guid == NULL) {
    if (errno == 0)
      ow_err_invalid ("the BCD store has no %s object", obj);
    return -1;
  }
  if (setting_encode (s, &id, &t, &d, &len) == -1)
    goto out;
  if (asprintf (&key, "Objects\\%s\\Elements\\%08" PRIx32, guid, id) == -1) {
    key = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  if (ow_plan_reg_set (plan, STEP, ctx->bcd, "BCD", key, "Element", t, d, len) == -1)
    goto out;
  if (plan->n > before && (cmd = bcdedit_cmd (s)) != NULL) {
    free (plan->v[plan->n - 1].note);
    if (asprintf (&plan->v[plan->n - 1].note, "%s (%s; %s)", cmd,
                  json_string_value (json_object_get (s, "why")),
                  json_string_value (json_object_get (s, "source"))) == -1)
      plan->v[plan->n - 1].note = NULL;
    free (cmd);
  }
  r = 0;
 out:
  free (d);
  free (key);
  free (guid);
  return r;
}

/* A kernel debugger on a serial port competes with EMS for it: not
 * changed (the operator may want it), but said. */
static void
note_debugger (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *why)
{
  json_t *d = json_object_get (json_object_get (ctx->facts, "bcd"), "default");
  json_t *dbg = json_object_get (d, "debugSettings");
  const char *type = json_string_value (json_object_get (dbg, "debugtype"));

  if (strncmp (why, "serial console on", 17) != 0 || !json_is_true (json_object_get (d, "debug")) ||
      (type && strcmp (type, "Serial") != 0))
    return;
  ow_plan_note (plan, "the default loader has kernel debugging on (debugtype %s, debugport "
                "%" JSON_INTEGER_FORMAT "): a serial debugger on the port EMS uses takes it from "
                "the serial console; turn it off with bcdedit /debug off if the console stays "
                "silent", type ? type : "Serial",
                json_integer_value (json_object_get (dbg, "debugport")));
}

int
ow_op_bcd (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  json_t *table, *list, *s;
  const char *why = NULL;
  size_t i, before = plan->n;
  char *cmds = NULL;
  size_t cmdlen = 0;
  FILE *f;

  if (json_object_get (ctx->job, "platform") == NULL &&
      json_object_get (ctx->job, "serialConsole") == NULL)
    return 0;
  table = ow_platforms_load ();
  if (table == NULL)
    return -1;
  list = wanted (table, ctx->job, &why);
  if (json_array_size (list) == 0) {
    ow_plan_step (plan, STEP, OW_STEP_NOTHING_TO_DO, "no BCD settings for this platform (%s)", why);
    goto out;
  }
  if (ctx->bcd == NULL || ctx->bcd_unwritable) {
    /* Say what an operator would run in Windows instead. */
    f = open_memstream (&cmds, &cmdlen);
    json_array_foreach (list, i, s) {
      char *c = bcdedit_cmd (s);
      if (f && c)
        fprintf (f, "%s%s", i ? "; " : "", c);
      free (c);
    }
    if (f)
      fclose (f);
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "%s: not changed; in Windows run: %s",
                  ctx->bcd_unwritable ? ctx->bcd_unwritable : "no usable BCD store",
                  cmds ? cmds : "");
    free (cmds);
    goto out;
  }
  json_array_foreach (list, i, s)
    if (plan_setting (ctx, plan, s) == -1) {
      /* Nothing of the store is half-planned: drop this step's changes. */
      while (plan->n > before)
        ow_plan_drop_last (plan);
      ow_plan_step (plan, STEP, OW_STEP_FAILED, "%s: %s", ctx->bcd_path, ow_error_message ());
      ow_error_clear ();
      goto out;
    }
  ow_plan_step (plan, STEP, plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                "%s: %zu BCD elements to change (%s)", ctx->bcd_path, plan->n - before, why);
  note_debugger (ctx, plan, why);
 out:
  json_decref (list);
  json_decref (table);
  return 0;
}
