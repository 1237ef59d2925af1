/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the firewall rule strings of the SYSTEM hive
 * (prepare/op-platform.c): the input is the data of a REG_SZ value under
 * ...\FirewallPolicy\FirewallRules as stored in the hive (UTF-16LE); it is
 * decoded as enable_group decodes it and given to the rule rewriter with
 * the groups of the embedded platforms.json.  Properties (abort = a
 * finding): a rewritten rule belongs to the group, keeps its field count,
 * grows by at most the Active= fields' rewrite, and rewriting it again
 * changes nothing (a re-run plans no change). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* prepare/op-platform.c test entry points. */
json_t *ow_platforms_load (void);
char *ow_platform_rule_enable (const char *rule, json_t *groups, bool *member);

static json_t *groups;

static size_t
count (const char *s, char c)
{
  size_t n = 0;

  for (; *s; s++)
    n += *s == c;
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *rule, *on, *again;
  bool member, member2;

  if (groups == NULL) {
    json_t *table = ow_platforms_load ();
    if (table == NULL)
      abort ();
    groups = json_incref (json_object_get (json_object_get (json_object_get (table, "rdp"),
                                                            "firewall"), "groups"));
    json_decref (table);
    if (!json_is_array (groups))
      abort ();
  }
  rule = ow_reg_decode_sz (data, size);
  if (rule == NULL) {
    ow_error_clear ();
    return 0;
  }
  on = ow_platform_rule_enable (rule, groups, &member);
  if (on != NULL) {
    if (!member || count (on, '|') != count (rule, '|')
        || strlen (on) > strlen (rule) + 4 * (count (rule, '|') + 1))
      abort ();
    again = ow_platform_rule_enable (on, groups, &member2);
    if (again != NULL || !member2)
      abort ();
    free (on);
  }
  free (rule);
  ow_error_clear ();
  return 0;
}
