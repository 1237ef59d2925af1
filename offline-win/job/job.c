/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Strict parser of the job document.  The document comes from a remote
 * controller: every field is checked against one table, and every error
 * names the field or JSON path so the sender can fix the request. */
#include <stdio.h>
#include <stdlib.h>

#include "job.h"

#define MAX_JOB_DOCUMENT (1024u * 1024)
#define MAX_STRING 4096
#define MAX_XD_PARAMS 64
#define MAX_ARTIFACTS 64
#define MAX_DRIVER_PACKAGES MAX_ARTIFACTS
#define MAX_WAIT_FOR_DISK_SECONDS 3600

enum kind { K_STRING, K_BOOL, K_INT, K_ENUM, K_XD, K_ARTIFACTS, K_LOCATION, K_NAMES };

/* Which job types accept a field. */
#define T_INSPECT 1u
#define T_PREPARE 2u
#define T_EXPORT 4u
#define T_PUBLISH 8u
#define T_PAP 16u
#define T_DIAG 32u
#define T_ALL (T_INSPECT | T_PREPARE | T_EXPORT | T_PUBLISH | T_PAP | T_DIAG)
#define T_PREP (T_PREPARE | T_PAP)
#define T_COPY (T_EXPORT | T_PUBLISH | T_PAP)

struct field {
  const char *name;
  enum kind kind;
  unsigned types;
  const char *const *values;   /* K_ENUM */
};

static const char *const job_types[] = {
  "inspect", "prepare", "export", "publish", "prepareAndPublish", "diagnostics", NULL,
};
static const unsigned job_type_bits[] = { T_INSPECT, T_PREPARE, T_EXPORT, T_PUBLISH, T_PAP,
                                          T_DIAG };
static const char *const platforms[] = {
  "azure", "aws", "gcp", "vsphere", "nutanix", "xenserver", NULL,
};
static const char *const provisioning[] = { "Mcs", "Pvs", NULL };
static const char *const pagefile[] = { "auto", "temp-disk", "system", NULL };
static const char *const missing_drivers[] = { "refuse", "warn", NULL };
/* IPS names first, then the short names ce-offline export uses. */
static const char *const formats[] = {
  "VhdxDiskFormat", "VhdDiskFormat", "Raw", "QCow2", "Vmdk",
  "vhdx", "vhd", "raw", "qcow2", "vmdk", NULL,
};

static const struct field fields[] = {
  { "type", K_ENUM, T_ALL, job_types },
  { "disk", K_STRING, T_ALL, NULL },
  { "waitForDiskSeconds", K_INT, T_ALL, NULL },
  { "dryRun", K_BOOL, T_ALL, NULL },
  { "platform", K_ENUM, T_PREP | T_DIAG, platforms },
  { "provisioningType", K_ENUM, T_PREP, provisioning },
  { "pagefile", K_ENUM, T_PREP, pagefile },
  { "xdReconfigure", K_XD, T_PREP, NULL },
  { "installMisa", K_BOOL, T_PREP, NULL },
  { "installPvs", K_STRING, T_PREP, NULL },
  { "domainUnjoin", K_BOOL, T_PREP, NULL },
  { "workgroup", K_STRING, T_PREP, NULL },
  { "enableRdp", K_BOOL, T_PREP, NULL },
  { "removeSourceTools", K_BOOL, T_PREP, NULL },
  { "chkdsk", K_BOOL, T_PREP, NULL },
  { "defrag", K_BOOL, T_PREP, NULL },
  { "serialConsole", K_BOOL, T_PREP, NULL },
  { "artifacts", K_ARTIFACTS, T_PREP, NULL },
  { "drivers", K_NAMES, T_PREP, NULL },
  { "missingDrivers", K_ENUM, T_PREP, missing_drivers },
  { "format", K_ENUM, T_COPY, formats },
  { "outputStorageLocation", K_LOCATION, T_COPY | T_DIAG, NULL },
  { "outputImageFilename", K_STRING, T_COPY, NULL },
  { "overwriteTargetFile", K_BOOL, T_COPY, NULL },
  { "hashDisk", K_BOOL, T_COPY, NULL },
  { NULL, 0, 0, NULL },
};

static const char *
json_kind (const json_t *v)
{
  switch (json_typeof (v)) {
  case JSON_OBJECT: return "object";
  case JSON_ARRAY: return "array";
  case JSON_STRING: return "string";
  case JSON_INTEGER: return "integer";
  case JSON_REAL: return "number";
  case JSON_TRUE: case JSON_FALSE: return "boolean";
  default: return "null";
  }
}

static int
type_error (const char *path, const char *want, const json_t *v)
{
  return ow_err_invalid ("%s: expected %s, got %s", path, want, json_kind (v));
}

static int
check_string (const json_t *v, const char *path)
{
  if (!json_is_string (v))
    return type_error (path, "a string", v);
  if (json_string_length (v) > MAX_STRING)
    return ow_err_invalid ("%s: longer than %u characters", path, MAX_STRING);
  if (strlen (json_string_value (v)) != json_string_length (v))
    return ow_err_invalid ("%s: contains a NUL character", path);
  return 0;
}

static bool
in_list (const char *const *list, const char *s)
{
  for (; *list; list++)
    if (strcmp (*list, s) == 0)
      return true;
  return false;
}

static int
check_enum (const json_t *v, const char *path, const char *const *values)
{
  char *all = NULL;
  size_t len = 0;
  FILE *f;

  if (check_string (v, path) == -1)
    return -1;
  if (in_list (values, json_string_value (v)))
    return 0;
  f = open_memstream (&all, &len);
  for (const char *const *p = values; f && *p; p++)
    fprintf (f, "%s%s", p == values ? "" : ", ", *p);
  if (f)
    fclose (f);
  ow_err_invalid ("%s: '%s' is not one of: %s", path, json_string_value (v),
                  all ? all : "?");
  free (all);
  return -1;
}

static int
check_artifacts (const json_t *v)
{
  const char *name;
  json_t *d;
  char *path = NULL;

  if (!json_is_object (v))
    return type_error ("$.artifacts", "an object", v);
  if (json_object_size (v) > MAX_ARTIFACTS)
    return ow_err_invalid ("$.artifacts: more than %u entries", MAX_ARTIFACTS);
  json_object_foreach ((json_t *) v, name, d) {
    const char *s;
    if (!ow_job_artifact_name_ok (name))
      return ow_err_invalid ("$.artifacts: name '%s' is not allowed (letters, digits, "
                             "'.', '_', '-'; not starting with '.')", name);
    if (asprintf (&path, "$.artifacts.%s", name) == -1)
      return ow_err (ENOMEM, "out of memory");
    if (check_string (d, path) == -1) {
      free (path);
      return -1;
    }
    s = json_string_value (d);
    if (strncmp (s, "sha256:", 7) != 0 || strlen (s) != 71 ||
        strspn (s + 7, "0123456789abcdefABCDEF") != 64) {
      ow_err_invalid ("%s: expected \"sha256:<64 hex digits>\"", path);
      free (path);
      return -1;
    }
    free (path);
  }
  return 0;
}

/* "drivers": artifact names, each once (check_rules: each pinned). */
static int
check_names (const json_t *v, const char *path)
{
  size_t i, k;
  json_t *e;

  if (!json_is_array (v))
    return type_error (path, "an array of artifact names", v);
  if (json_array_size (v) > MAX_DRIVER_PACKAGES)
    return ow_err_invalid ("%s: more than %u entries", path, MAX_DRIVER_PACKAGES);
  json_array_foreach (v, i, e) {
    if (!json_is_string (e))
      return ow_err_invalid ("%s[%zu]: expected an artifact name, got %s", path, i,
                             json_kind (e));
    if (!ow_job_artifact_name_ok (json_string_value (e)))
      return ow_err_invalid ("%s[%zu]: name '%s' is not allowed (letters, digits, '.', '_', "
                             "'-'; not starting with '.')", path, i, json_string_value (e));
    for (k = 0; k < i; k++)
      if (strcmp (json_string_value (json_array_get (v, k)), json_string_value (e)) == 0)
        return ow_err_invalid ("%s[%zu]: '%s' is listed twice", path, i, json_string_value (e));
  }
  return 0;
}

static int
check_location (const json_t *v)
{
  static const char *const keys[] = { "location", "username", "password", "domain", NULL };
  const char *k;
  json_t *m;

  if (!json_is_object (v))
    return type_error ("$.outputStorageLocation", "an object", v);
  json_object_foreach ((json_t *) v, k, m) {
    char *path = NULL;
    int r;
    if (!in_list (keys, k))
      return ow_err_invalid ("$.outputStorageLocation: unknown field '%s'", k);
    if (asprintf (&path, "$.outputStorageLocation.%s", k) == -1)
      return ow_err (ENOMEM, "out of memory");
    r = check_string (m, path);
    free (path);
    if (r == -1)
      return -1;
  }
  if (json_object_get (v, "location") == NULL)
    return ow_err_invalid ("$.outputStorageLocation: missing field 'location'");
  return 0;
}

static int
check_field (const struct field *f, const json_t *v)
{
  char *path = NULL;
  int r = 0;

  if (asprintf (&path, "$.%s", f->name) == -1)
    return ow_err (ENOMEM, "out of memory");
  switch (f->kind) {
  case K_STRING: r = check_string (v, path); break;
  case K_ENUM: r = check_enum (v, path, f->values); break;
  case K_BOOL:
    if (!json_is_boolean (v))
      r = type_error (path, "true or false", v);
    break;
  case K_INT:
    if (!json_is_integer (v))
      r = type_error (path, "an integer", v);
    else if (json_integer_value (v) < 0 ||
             json_integer_value (v) > MAX_WAIT_FOR_DISK_SECONDS)
      r = ow_err_invalid ("%s: must be between 0 and %d", path, MAX_WAIT_FOR_DISK_SECONDS);
    break;
  case K_XD: r = ow_job_check_xd (v); break;
  case K_ARTIFACTS: r = check_artifacts (v); break;
  case K_LOCATION: r = check_location (v); break;
  case K_NAMES: r = check_names (v, path); break;
  }
  free (path);
  return r;
}

static const struct field *
find_field (const char *name)
{
  for (const struct field *f = fields; f->name; f++)
    if (strcmp (f->name, name) == 0)
      return f;
  return NULL;
}

/* The seed's cross-field rules. */
static int
check_rules (const json_t *doc)
{
  const char *prov = json_string_value (json_object_get (doc, "provisioningType"));
  const char *pvs = json_string_value (json_object_get (doc, "installPvs"));

  if (json_is_true (json_object_get (doc, "installMisa")) &&
      (prov == NULL || strcmp (prov, "Mcs") != 0))
    return ow_err_invalid ("$.installMisa: MISA is installed only with provisioningType "
                           "\"Mcs\" (got %s%s%s)", prov ? "\"" : "", prov ? prov : "none",
                           prov ? "\"" : "");
  if (pvs && (prov == NULL || strcmp (prov, "Pvs") != 0))
    return ow_err_invalid ("$.installPvs: the PVS target device is installed only with "
                           "provisioningType \"Pvs\" (got %s%s%s)", prov ? "\"" : "",
                           prov ? prov : "none", prov ? "\"" : "");
  if (pvs && (*pvs == '\0' || strspn (pvs, "0123456789.") != strlen (pvs)))
    return ow_err_invalid ("$.installPvs: '%s' is not a version like \"7.31.0\"", pvs);
  /* The target platform says which tools are the source's. */
  if (json_is_true (json_object_get (doc, "removeSourceTools"))
      && json_object_get (doc, "platform") == NULL)
    return ow_err_invalid ("$.removeSourceTools: needs \"platform\" (the target: tools of "
                           "its own hypervisor are kept, the others removed)");
  {
    size_t i;
    json_t *d;
    json_array_foreach (json_object_get (doc, "drivers"), i, d)
      if (json_object_get (json_object_get (doc, "artifacts"), json_string_value (d)) == NULL)
        return ow_err_invalid ("$.drivers[%zu]: driver package '%s' has no digest in "
                               "\"artifacts\" (add \"%s\": \"sha256:<hex>\")", i,
                               json_string_value (d), json_string_value (d));
  }
  if (json_object_get (doc, "workgroup") &&
      !ow_job_netbios_name_ok (json_string_value (json_object_get (doc, "workgroup"))))
    return ow_err_invalid ("$.workgroup: not a valid workgroup name (1-15 characters, no "
                           "\\ / : * ? \" < > | , ~ ! @ # $ %% ^ & ' . ( ) { } _ or spaces)");
  return 0;
}

struct ow_job *
ow_job_parse (const char *text, size_t len)
{
  json_error_t jerr;
  json_t *doc;
  const char *key, *type;
  json_t *v;
  unsigned bit = 0;
  struct ow_job *job;

  if (len > MAX_JOB_DOCUMENT) {
    ow_err_invalid ("job document is larger than %u bytes", MAX_JOB_DOCUMENT);
    return NULL;
  }
  doc = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (doc == NULL) {
    ow_err_invalid ("job document is not valid JSON: %s (line %d, column %d)",
                    jerr.text, jerr.line, jerr.column);
    return NULL;
  }
  if (!json_is_object (doc)) {
    type_error ("$", "an object", doc);
    goto fail;
  }
  v = json_object_get (doc, "type");
  if (v == NULL) {
    ow_err_invalid ("$: missing field 'type' (one of inspect, prepare, export, publish, "
                    "prepareAndPublish, diagnostics)");
    goto fail;
  }
  if (check_enum (v, "$.type", job_types) == -1)
    goto fail;
  type = json_string_value (v);
  for (size_t i = 0; job_types[i]; i++)
    if (strcmp (job_types[i], type) == 0)
      bit = job_type_bits[i];

  json_object_foreach (doc, key, v) {
    const struct field *f = find_field (key);
    if (f == NULL) {
      ow_err_invalid ("$: unknown field '%s'", key);
      goto fail;
    }
    if (!(f->types & bit)) {
      ow_err_invalid ("$: field '%s' is not allowed in a '%s' job", key, type);
      goto fail;
    }
    if (check_field (f, v) == -1)
      goto fail;
  }
  if (check_rules (doc) == -1)
    goto fail;

  job = calloc (1, sizeof *job);
  if (job == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto fail;
  }
  job->doc = doc;
  return job;

 fail:
  json_decref (doc);
  return NULL;
}

void
ow_job_free (struct ow_job *job)
{
  if (job == NULL)
    return;
  json_decref (job->doc);
  free (job);
}

const char *
ow_job_type (const struct ow_job *job)
{
  return json_string_value (json_object_get (job->doc, "type"));
}

const char *
ow_job_disk (const struct ow_job *job)
{
  return json_string_value (json_object_get (job->doc, "disk"));
}

bool
ow_job_dry_run (const struct ow_job *job)
{
  return json_is_true (json_object_get (job->doc, "dryRun"));
}

char *
ow_job_to_text (const struct ow_job *job)
{
  char *s = json_dumps (job->doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (s == NULL)
    ow_err (ENOMEM, "out of memory");
  return s;
}

json_t *
ow_job_json (const struct ow_job *job)
{
  return job->doc;
}
