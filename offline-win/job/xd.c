/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xdReconfigure parameters (IPS names) and the syntax checks of values
 * that end up in the registry or on a command line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "job.h"

#define MAX_HOSTNAME 253
#define MAX_LABEL 63
#define MAX_CONTROLLERS 32
#define MAX_XD_PARAMS 64
#define MAX_ARTIFACT_NAME 128

bool
ow_job_hostname_ok (const char *s)
{
  size_t len = strlen (s), label = 0;

  if (len == 0 || len > MAX_HOSTNAME || s[0] == '.' || s[len - 1] == '.')
    return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) s[i];
    if (c == '.') {
      if (label == 0 || s[i - 1] == '-')
        return false;
      label = 0;
      continue;
    }
    if (!(isalnum (c) || c == '-') || (c == '-' && label == 0) || ++label > MAX_LABEL)
      return false;
  }
  return s[len - 1] != '-';
}

bool
ow_job_netbios_name_ok (const char *s)
{
  size_t len = s ? strlen (s) : 0;

  if (len == 0 || len > 15)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!isalnum ((unsigned char) s[i]) && s[i] != '-')
      return false;
  return true;
}

bool
ow_job_artifact_name_ok (const char *s)
{
  size_t len = strlen (s);

  if (len == 0 || len > MAX_ARTIFACT_NAME || s[0] == '.')
    return false;
  for (size_t i = 0; i < len; i++)
    if (!isalnum ((unsigned char) s[i]) && !strchr ("._-", s[i]))
      return false;
  return true;
}

bool
ow_job_guid_ok (const char *s)
{
  static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  size_t len = strlen (s);

  if (len == 38 && s[0] == '{' && s[37] == '}') {
    s++;
    len -= 2;
  }
  if (len != 36)
    return false;
  for (size_t i = 0; i < 36; i++)
    if (shape[i] == '-' ? s[i] != '-' : !isxdigit ((unsigned char) s[i]))
      return false;
  return true;
}

char **
ow_job_split_hosts (const char *s)
{
  char *copy = strdup (s), *save = NULL, **v = calloc (MAX_CONTROLLERS + 1, sizeof *v);
  size_t n = 0;

  if (copy == NULL || v == NULL) {
    free (copy);
    free (v);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  for (char *t = strtok_r (copy, " ,\t", &save); t; t = strtok_r (NULL, " ,\t", &save)) {
    if (n == MAX_CONTROLLERS) {
      ow_strv_free (v);
      free (copy);
      ow_err_invalid ("more than %d controllers", MAX_CONTROLLERS);
      return NULL;
    }
    v[n++] = strdup (t);
  }
  free (copy);
  return v;
}

static int
check_value (const char *name, const char *val, const char *path)
{
  if (strcmp (name, "controllers") == 0) {
    char **hosts = ow_job_split_hosts (val);
    int r = 0;
    if (hosts == NULL)
      return -1;
    if (hosts[0] == NULL)
      r = ow_err_invalid ("%s: no controller given", path);
    /* Controllers are named by FQDN (IPS): a single label is refused, as
     * it is usually a typo or a space inside a name. */
    for (size_t i = 0; r == 0 && hosts[i]; i++)
      if (!ow_job_hostname_ok (hosts[i]) || strchr (hosts[i], '.') == NULL)
        r = ow_err_invalid ("%s: '%s' is not a valid host name (FQDN expected, e.g. "
                            "ddc1.corp.example)", path, hosts[i]);
    ow_strv_free (hosts);
    return r;
  }
  if (strcmp (name, "portnumber") == 0) {
    char *end;
    long p = strtol (val, &end, 10);
    if (*val == '\0' || *end != '\0' || p < 1 || p > 65535)
      return ow_err_invalid ("%s: '%s' is not a port number (1-65535)", path, val);
    return 0;
  }
  if (strcmp (name, "enable_hdx_ports") == 0) {
    if (strcmp (val, "true") != 0 && strcmp (val, "false") != 0)
      return ow_err_invalid ("%s: expected \"true\" or \"false\"", path);
    return 0;
  }
  if (strcmp (name, "site_guid") == 0) {
    if (!ow_job_guid_ok (val))
      return ow_err_invalid ("%s: '%s' is not a GUID", path, val);
    return 0;
  }
  /* wem_*: free text handed to the installer; refuse what would break a
   * command line. */
  for (const char *p = val; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == '"')
      return ow_err_invalid ("%s: control characters and quotes are not allowed", path);
  return 0;
}

static bool
known_name (const char *n)
{
  static const char *const names[] = {
    "controllers", "portnumber", "enable_hdx_ports", "site_guid", NULL,
  };
  for (size_t i = 0; names[i]; i++)
    if (strcmp (names[i], n) == 0)
      return true;
  if (strncmp (n, "wem_", 4) == 0 && n[4] != '\0') {
    for (const char *p = n + 4; *p; p++)
      if (!islower ((unsigned char) *p) && !isdigit ((unsigned char) *p) && *p != '_')
        return false;
    return true;
  }
  return false;
}

int
ow_job_check_xd (const json_t *v)
{
  size_t i, n;
  json_t *e;

  if (!json_is_array (v))
    return ow_err_invalid ("$.xdReconfigure: expected an array, got %s",
                           json_is_object (v) ? "object" : "another type");
  n = json_array_size (v);
  if (n > MAX_XD_PARAMS)
    return ow_err_invalid ("$.xdReconfigure: more than %d parameters", MAX_XD_PARAMS);
  json_array_foreach ((json_t *) v, i, e) {
    const char *k, *name, *val;
    json_t *m, *nm, *vl;
    char path[96];

    snprintf (path, sizeof path, "$.xdReconfigure[%zu]", i);
    if (!json_is_object (e))
      return ow_err_invalid ("%s: expected an object {\"ParameterName\", \"ParameterValue\"}", path);
    json_object_foreach (e, k, m)
      if (strcmp (k, "ParameterName") != 0 && strcmp (k, "ParameterValue") != 0)
        return ow_err_invalid ("%s: unknown field '%s'", path, k);
    nm = json_object_get (e, "ParameterName");
    vl = json_object_get (e, "ParameterValue");
    if (!json_is_string (nm))
      return ow_err_invalid ("%s.ParameterName: expected a string", path);
    if (!json_is_string (vl))
      return ow_err_invalid ("%s.ParameterValue: expected a string", path);
    name = json_string_value (nm);
    val = json_string_value (vl);
    if (!known_name (name))
      return ow_err_invalid ("%s.ParameterName: '%s' is not one of controllers, portnumber, "
                             "enable_hdx_ports, site_guid, wem_*", path, name);
    for (size_t j = 0; j < i; j++)
      if (strcmp (json_string_value (json_object_get (json_array_get (v, j), "ParameterName")),
                  name) == 0)
        return ow_err_invalid ("%s.ParameterName: '%s' given twice", path, name);
    snprintf (path, sizeof path, "$.xdReconfigure[%zu].ParameterValue", i);
    if (check_value (name, val, path) == -1)
      return -1;
  }
  return 0;
}
