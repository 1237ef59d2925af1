/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Strict job-document parser (POST /v1/jobs).  The body is hostile input:
 * size-limited, duplicate keys rejected, every field checked against one
 * schema table, and every error names the offending field or JSON path so
 * the connector can fix its request.  Nothing here touches a disk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define MAX_DISK_REF_LEN 4096
#define MAX_STRING_LEN 4096
#define MAX_XD_PARAMS 64
#define MAX_ARTIFACT_REFS 64
#define MAX_WAIT_FOR_DISK_SECONDS 3600

enum field_kind { F_STRING, F_BOOL, F_INT, F_ENUM, F_XD, F_ARTIFACTS };

struct field {
  const char *name;
  enum field_kind kind;
  const char *const *values;   /* F_ENUM */
  long min, max;               /* F_INT */
};

static const char *const platforms[] = {
  "azure", "aws", "gcp", "vsphere", "xenserver", "nutanix", NULL
};
static const char *const provisioning_types[] = { "Mcs", "Pvs", NULL };
static const char *const formats[] = { "vhdx", "vhd", "vmdk", "qcow2", "raw", NULL };

/* Every field any job type knows.  A name not here is "unknown"; a name
 * here but not in the type's list is "not allowed for this type". */
static const struct field fields[] = {
  { "disk", F_STRING, NULL, 0, 0 },
  { "waitForDiskSeconds", F_INT, NULL, 0, MAX_WAIT_FOR_DISK_SECONDS },
  { "platform", F_ENUM, platforms, 0, 0 },
  { "provisioningType", F_ENUM, provisioning_types, 0, 0 },
  { "pagefile", F_STRING, NULL, 0, 0 },
  { "xdReconfigure", F_XD, NULL, 0, 0 },
  { "installMisa", F_BOOL, NULL, 0, 0 },
  { "installPvs", F_STRING, NULL, 0, 0 },
  { "domainUnjoin", F_BOOL, NULL, 0, 0 },
  { "enableRdp", F_BOOL, NULL, 0, 0 },
  { "artifacts", F_ARTIFACTS, NULL, 0, 0 },
  { "dryRun", F_BOOL, NULL, 0, 0 },
  { "format", F_ENUM, formats, 0, 0 },
  { "output", F_STRING, NULL, 0, 0 },
};

#define DISK_FIELDS "disk", "waitForDiskSeconds"
#define PREPARE_FIELDS "platform", "provisioningType", "pagefile", \
    "xdReconfigure", "installMisa", "installPvs", "domainUnjoin", \
    "enableRdp", "artifacts", "dryRun"

static const char *const inspect_fields[] = { DISK_FIELDS, NULL };
static const char *const prepare_fields[] = { DISK_FIELDS, PREPARE_FIELDS, NULL };
static const char *const export_fields[] = { DISK_FIELDS, "format", "output", "dryRun", NULL };
static const char *const pap_fields[] = {
  DISK_FIELDS, PREPARE_FIELDS, "format", "output", NULL
};
static const char *const req_disk[] = { "disk", NULL };
static const char *const req_prepare[] = { "disk", "platform", "provisioningType", NULL };
static const char *const req_export[] = { "disk", "format", "output", NULL };
static const char *const req_pap[] = {
  "disk", "platform", "provisioningType", "format", "output", NULL
};

static int validate_prepare (const json_t *doc, struct ce_error *err);

static const struct ce_job_schema schemas[] = {
  { "inspect", inspect_fields, req_disk, NULL },
  { "prepare", prepare_fields, req_prepare, validate_prepare },
  { "export", export_fields, req_export, NULL },
  { "publish", export_fields, req_export, NULL },
  { "prepareAndPublish", pap_fields, req_pap, validate_prepare },
};

static bool
in_list (const char *const *list, const char *s)
{
  for (; *list; list++)
    if (!strcmp (*list, s))
      return true;
  return false;
}

static const char *
json_type_name (const json_t *v)
{
  switch (json_typeof (v)) {
  case JSON_OBJECT: return "object";
  case JSON_ARRAY: return "array";
  case JSON_STRING: return "string";
  case JSON_INTEGER: return "integer";
  case JSON_REAL: return "number";
  case JSON_TRUE: case JSON_FALSE: return "boolean";
  case JSON_NULL: return "null";
  }
  return "value";
}

static int
type_error (struct ce_error *err, const char *path, const char *want,
            const json_t *v)
{
  return ce_error_set (err, CE_E_INVALID, "invalidType",
                       "%s: expected %s, got %s", path, want, json_type_name (v));
}

/* Strings: no embedded NUL, bounded, non-empty. */
static int
check_string (const json_t *v, const char *path, struct ce_error *err)
{
  if (!json_is_string (v))
    return type_error (err, path, "string", v);
  size_t n = json_string_length (v);
  if (n == 0)
    return ce_error_set (err, CE_E_INVALID, "invalidValue", "%s: must not be empty", path);
  if (n > MAX_STRING_LEN)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "%s: longer than %d bytes", path, MAX_STRING_LEN);
  if (strlen (json_string_value (v)) != n)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "%s: contains a NUL character", path);
  return 0;
}

static int
check_xd (const json_t *v, struct ce_error *err)
{
  size_t i;
  const json_t *e;
  char path[96];

  if (!json_is_array (v))
    return type_error (err, "$.xdReconfigure", "array", v);
  if (json_array_size (v) > MAX_XD_PARAMS)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "$.xdReconfigure: more than %d entries", MAX_XD_PARAMS);
  json_array_foreach (v, i, e) {
    const char *key;
    json_t *m;
    snprintf (path, sizeof path, "$.xdReconfigure[%zu]", i);
    if (!json_is_object (e))
      return type_error (err, path, "object", e);
    json_object_foreach ((json_t *) e, key, m) {
      if (strcmp (key, "ParameterName") && strcmp (key, "ParameterValue"))
        return ce_error_set (err, CE_E_INVALID, "unknownField",
                             "unknown field '%s' in %s", key, path);
      snprintf (path, sizeof path, "$.xdReconfigure[%zu].%s", i, key);
      if (check_string (m, path, err) == -1)
        return -1;
      snprintf (path, sizeof path, "$.xdReconfigure[%zu]", i);
    }
    if (!json_object_get (e, "ParameterName") || !json_object_get (e, "ParameterValue"))
      return ce_error_set (err, CE_E_INVALID, "missingField",
                           "%s: needs ParameterName and ParameterValue", path);
  }
  return 0;
}

static int
check_artifacts (const json_t *v, struct ce_error *err)
{
  const char *key;
  json_t *m;
  uint8_t digest[32];

  if (!json_is_object (v))
    return type_error (err, "$.artifacts", "object", v);
  if (json_object_size (v) > MAX_ARTIFACT_REFS)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "$.artifacts: more than %d entries", MAX_ARTIFACT_REFS);
  json_object_foreach ((json_t *) v, key, m) {
    if (!ce_artifact_name_valid (key))
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           "$.artifacts: invalid artifact name (allowed: "
                           "[A-Za-z0-9._-], no leading dot, at most %d)",
                           CE_MAX_ARTIFACT_NAME);
    const char *s = json_string_value (m);
    if (!json_is_string (m))
      return ce_error_set (err, CE_E_INVALID, "invalidType",
                           "$.artifacts.%s: expected string, got %s", key,
                           json_type_name (m));
    if (strncmp (s, "sha256:", 7) || ce_hex_decode (s + 7, digest, 32) == -1)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           "$.artifacts.%s: expected \"sha256:\" and 64 hex digits", key);
  }
  return 0;
}

static int
check_field (const struct field *f, const json_t *v, struct ce_error *err)
{
  char path[64];
  snprintf (path, sizeof path, "$.%s", f->name);

  switch (f->kind) {
  case F_STRING:
    if (check_string (v, path, err) == -1)
      return -1;
    if (!strcmp (f->name, "disk") && json_string_length (v) > MAX_DISK_REF_LEN)
      return ce_error_set (err, CE_E_INVALID, "invalidValue", "$.disk: too long");
    return 0;
  case F_BOOL:
    return json_is_boolean (v) ? 0 : type_error (err, path, "boolean", v);
  case F_INT:
    if (!json_is_integer (v))
      return type_error (err, path, "integer", v);
    if (json_integer_value (v) < f->min || json_integer_value (v) > f->max)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           "%s: must be between %ld and %ld", path, f->min, f->max);
    return 0;
  case F_ENUM:
    if (!json_is_string (v))
      return type_error (err, path, "string", v);
    if (!in_list (f->values, json_string_value (v))) {
      char list[256] = "";
      for (const char *const *p = f->values; *p; p++) {
        if (p != f->values)
          strncat (list, ", ", sizeof list - strlen (list) - 1);
        strncat (list, *p, sizeof list - strlen (list) - 1);
      }
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           "%s: must be one of %s", path, list);
    }
    return 0;
  case F_XD:
    return check_xd (v, err);
  case F_ARTIFACTS:
    return check_artifacts (v, err);
  }
  return 0;
}

static int
validate_prepare (const json_t *doc, struct ce_error *err)
{
  const char *pt = json_string_value (json_object_get (doc, "provisioningType"));
  if (json_is_true (json_object_get (doc, "installMisa")) && (!pt || strcmp (pt, "Mcs")))
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "$.installMisa: requires provisioningType \"Mcs\"");
  if (json_object_get (doc, "installPvs") && (!pt || strcmp (pt, "Pvs")))
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "$.installPvs: requires provisioningType \"Pvs\"");
  return 0;
}

const struct ce_job_schema *
ce_jobdoc_parse (const char *buf, size_t len, json_t **docp,
                 struct ce_error *err)
{
  json_error_t jerr;
  json_t *doc = NULL, *v;
  const struct ce_job_schema *schema = NULL;
  const char *key, *type;
  size_t i;

  *docp = NULL;
  if (len > CE_MAX_JOB_BODY) {
    ce_error_set (err, CE_E_TOO_LARGE, "bodyTooLarge",
                  "job document larger than %d bytes", CE_MAX_JOB_BODY);
    return NULL;
  }
  doc = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!doc) {
    ce_error_set (err, CE_E_INVALID, "malformedJson",
                  "invalid JSON at line %d column %d: %s",
                  jerr.line, jerr.column, jerr.text);
    return NULL;
  }
  if (!json_is_object (doc)) {
    type_error (err, "$", "object", doc);
    goto fail;
  }
  v = json_object_get (doc, "type");
  if (!v) {
    ce_error_set (err, CE_E_INVALID, "missingField", "$.type is required");
    goto fail;
  }
  if (!json_is_string (v)) {
    type_error (err, "$.type", "string", v);
    goto fail;
  }
  type = json_string_value (v);
  for (i = 0; i < sizeof schemas / sizeof schemas[0]; i++)
    if (!strcmp (schemas[i].name, type))
      schema = &schemas[i];
  if (!schema) {
    ce_error_set (err, CE_E_INVALID, "invalidValue",
                  "$.type: unknown job type (known: inspect, prepare, export, "
                  "publish, prepareAndPublish)");
    goto fail;
  }

  json_object_foreach (doc, key, v) {
    const struct field *f = NULL;
    if (!strcmp (key, "type"))
      continue;
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
      if (!strcmp (fields[i].name, key))
        f = &fields[i];
    if (!f || strlen (key) > 64) {
      /* Field names come from the client; cap what we echo back. */
      ce_error_set (err, CE_E_INVALID, "unknownField", "unknown field '%.64s'", key);
      goto fail;
    }
    if (!in_list (schema->fields, key)) {
      ce_error_set (err, CE_E_INVALID, "unknownField",
                    "field '%s' is not allowed for job type '%s'", key, schema->name);
      goto fail;
    }
    if (check_field (f, v, err) == -1)
      goto fail;
  }
  for (const char *const *r = schema->required; *r; r++)
    if (!json_object_get (doc, *r)) {
      ce_error_set (err, CE_E_INVALID, "missingField",
                    "$.%s is required for job type '%s'", *r, schema->name);
      goto fail;
    }
  if (schema->validate && schema->validate (doc, err) == -1)
    goto fail;
  *docp = doc;
  return schema;
 fail:
  json_decref (doc);
  return NULL;
}
