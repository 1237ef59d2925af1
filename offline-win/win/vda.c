/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Citrix VDA: installed version (Uninstall entries) and controllers. */
#include <stdio.h>
#include <stdlib.h>

#include "win.h"

static const char *const uninstall_keys[] = {
  "Microsoft\\Windows\\CurrentVersion\\Uninstall",
  "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
  NULL,
};

/* ListOfDDCs: policy form first (it overrides), then the VDA's own key. */
static const char *const ddc_keys[] = {
  "Policies\\Citrix\\VirtualDesktopAgent",
  "Citrix\\VirtualDesktopAgent",
  NULL,
};

static bool
is_vda_name (const char *n)
{
  return n && strstr (n, "Virtual Delivery Agent") != NULL;
}

static int
find_uninstall_entry (struct ow_hive *h, char **name, char **version)
{
  *name = *version = NULL;
  for (size_t k = 0; uninstall_keys[k] && !*name; k++) {
    char **subs = ow_hive_subkeys (h, uninstall_keys[k]);
    for (size_t i = 0; subs && subs[i] && !*name; i++) {
      char *path = NULL, *dn = NULL;
      if (asprintf (&path, "%s\\%s", uninstall_keys[k], subs[i]) == -1) {
        ow_strv_free (subs);
        return ow_err (ENOMEM, "out of memory");
      }
      if (ow_hive_get_string (h, path, "DisplayName", &dn) == 1 && is_vda_name (dn)) {
        *name = dn;
        if (ow_hive_get_string (h, path, "DisplayVersion", version) != 1)
          *version = NULL;
      }
      else
        free (dn);
      free (path);
    }
    ow_strv_free (subs);
  }
  return 0;
}

/* Space-separated FQDNs → JSON array. */
static json_t *
split_ddcs (const char *s)
{
  json_t *a = json_array ();
  char *copy = strdup (s), *save = NULL;

  for (char *t = copy ? strtok_r (copy, " \t,", &save) : NULL; t;
       t = strtok_r (NULL, " \t,", &save))
    json_array_append_new (a, json_string (t));
  free (copy);
  return a;
}

int
ow_win_vda (struct ow_win_ctx *c, json_t *out)
{
  char *name, *version, *ddcs = NULL;
  json_t *vda;

  if (c->software == NULL) {
    json_object_set_new (out, "vda", json_null ());
    return 0;
  }
  if (find_uninstall_entry (c->software, &name, &version) == -1)
    return -1;
  if (name == NULL && ow_hive_key_exists (c->software, "Citrix\\VirtualDesktopAgent") != 1) {
    json_object_set_new (out, "vda", json_null ());
    return 0;
  }
  vda = json_object ();
  ow_json_set_str_take (vda, "displayName", name);
  ow_json_set_str_take (vda, "version", version);
  for (size_t k = 0; ddc_keys[k] && ddcs == NULL; k++)
    if (ow_hive_get_string (c->software, ddc_keys[k], "ListOfDDCs", &ddcs) != 1)
      ddcs = NULL;
  json_object_set_new (vda, "listOfDDCs", ddcs ? split_ddcs (ddcs) : json_array ());
  free (ddcs);
  json_object_set_new (out, "vda", vda);
  return 0;
}
