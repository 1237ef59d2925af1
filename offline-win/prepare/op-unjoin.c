/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Offline domain unjoin (WINDOWS.md "Domain membership"): the LSA policy
 * in SECURITY says "workgroup", the machine account secret goes, SYSTEM's
 * TCP/IP domain values are cleared.  No domain controller is contacted, so
 * the computer object stays in AD (the source machine keeps working). */
#include <stdio.h>
#include <stdlib.h>

#include "prepare.h"

#define STEP "domainUnjoin"
#define DEFAULT_WORKGROUP "WORKGROUP"
/* SAM: the built-in Administrator (RID 500) and the flag that disables it
 * in its F value (UserAccountControl at offset 0x38, ACB_DISABLED). */
#define SAM_ADMIN_KEY "SAM\\Domains\\Account\\Users\\000001F4"
#define SAM_F_UAC_OFFSET 0x38
#define ACB_DISABLED 0x0001

/* LSA keeps a name as a UNICODE_STRING: Length, MaximumLength (with the
 * terminator), a 4-byte buffer offset (8), then the UTF-16LE text and NUL;
 * the same layout as the real workgroup SECURITY hive in tests/data. */
static void *
unicode_string (const char *utf8, size_t *len)
{
  size_t n;
  uint8_t *text = ow_utf8_to_utf16le (utf8, &n), *out;

  if (text == NULL)
    return NULL;
  out = malloc (8 + n);
  if (out) {
    ow_put_le16 (out, (uint16_t) (n - 2));
    ow_put_le16 (out + 2, (uint16_t) n);
    ow_put_le32 (out + 4, 8);
    memcpy (out + 8, text, n);
    *len = 8 + n;
  }
  free (text);
  return out;
}

static int
set_policy (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *name,
            const void *data, size_t len)
{
  char *key = NULL;
  int r;

  if (asprintf (&key, "Policy\\%s", name) == -1)
    return ow_err (ENOMEM, "out of memory");
  r = ow_plan_reg_set (plan, STEP, ctx->security, "SECURITY", key, "", OW_REG_NONE, data, len);
  free (key);
  return r;
}

/* Is the built-in Administrator enabled?  1 yes, 0 no, -1 unknown. */
static int
local_admin_enabled (struct ow_prep_ctx *ctx)
{
  uint32_t t;
  void *f = NULL;
  size_t len = 0;
  int r;

  if (ctx->sam == NULL || ow_hive_get_raw (ctx->sam, SAM_ADMIN_KEY, "F", &t, &f, &len) != 1)
    return -1;
  r = len >= SAM_F_UAC_OFFSET + 2 ? !(ow_le16 ((uint8_t *) f + SAM_F_UAC_OFFSET) & ACB_DISABLED) : -1;
  free (f);
  return r;
}

int
ow_op_unjoin (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  const char *wg = json_string_value (json_object_get (ctx->job, "workgroup"));
  json_t *dom = json_object_get (ctx->facts, "domain");
  static const uint8_t zero_guid[16];
  char *name = NULL, *tcpip = NULL;
  void *pn;
  size_t pnlen, before = plan->n;
  int admin, r = -1;

  if (!json_is_true (json_object_get (ctx->job, "domainUnjoin")))
    return 0;
  if (ctx->security == NULL) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "the SECURITY hive is missing or unusable");
    return 0;
  }
  name = strdup (wg ? wg : DEFAULT_WORKGROUP);
  if (name == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (char *p = name; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p -= 'a' - 'A';
  pn = unicode_string (name, &pnlen);
  if (pn == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  /* Primary and DNS domain information must agree: a workgroup has a
   * name, no SID, no DNS names and a zero GUID. */
  if (set_policy (ctx, plan, "PolPrDmN", pn, pnlen) == -1 ||
      set_policy (ctx, plan, "PolPrDmS", "", 0) == -1 ||
      set_policy (ctx, plan, "PolDnDDN", "", 0) == -1 ||
      set_policy (ctx, plan, "PolDnTrN", "", 0) == -1 ||
      set_policy (ctx, plan, "PolDnDmG", zero_guid, sizeof zero_guid) == -1 ||
      ow_plan_reg_delete_key (plan, STEP, ctx->security, "SECURITY",
                              "Policy\\Secrets\\$MACHINE.ACC") == -1) {
    free (pn);
    goto out;
  }
  free (pn);
  if (ctx->control_set) {
    if (asprintf (&tcpip, "%s\\Services\\Tcpip\\Parameters", ctx->control_set) == -1) {
      tcpip = NULL;
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
    for (size_t i = 0; i < 2; i++) {
      const char *v = i ? "NV Domain" : "Domain";
      char *cur = NULL;
      int g = ow_hive_get_string (ctx->system, tcpip, v, &cur);
      if (g == -1)
        goto out;
      if (g == 1 && *cur &&
          ow_plan_reg_set_string (plan, STEP, ctx->system, "SYSTEM", tcpip, v, OW_REG_SZ, "") == -1) {
        free (cur);
        goto out;
      }
      free (cur);
    }
  }
  admin = local_admin_enabled (ctx);
  ow_plan_note (plan, "domain unjoin is offline: the computer object in Active Directory is "
                "untouched; cached domain logons and profiles stay in the image");
  ow_plan_note (plan, "local administrator (RID 500): %s", admin == 1 ? "enabled" :
                admin == 0 ? "DISABLED - make sure another local administrator can log on" :
                "state unknown (SAM unreadable)");
  ow_plan_step (plan, STEP, plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                "%s → workgroup %s", json_is_true (json_object_get (dom, "joined")) ?
                "domain member" : "already a workgroup machine", name);
  r = 0;
 out:
  free (tcpip);
  free (name);
  return r;
}
