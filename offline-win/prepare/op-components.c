/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MISA (installMisa, MCS) and the PVS target device (installPvs, PVS).
 * What to look for, which installer to expect and how to run it silently
 * come from the catalog offline-win/data/components.json (embedded by
 * data/data.S); no Citrix binary is shipped.  A component already in the
 * image is left alone.  A missing one needs its installer as an artifact
 * (checked against the SHA-256 the job gives): it is copied into the
 * image and the first-boot runner installs it. */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>



#include "prepare.h"

extern const char ow_data_components[], ow_data_components_end[];

#define MAX_FIELD_LEN     4096
#define SHA256_HEX_LEN    64
/* Where installers go, seen from the volume root and from Windows. */
#define INSTALLERS_DIR    "ProgramData/CE-Appliance/installers"
#define INSTALLERS_WIN    "%ProgramData%\\CE-Appliance\\installers"
#define INSTALL_LOG_WIN   "%ProgramData%\\CE-Appliance"

static const char *const uninstall_keys[] = {
  "Microsoft\\Windows\\CurrentVersion\\Uninstall",
  "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
  NULL
};

/* Entry points for the tests (not in prepare.h: the lead owns it). */
json_t *ow_components_parse (const char *data, size_t len);
json_t *ow_components_load (void);

/* ---- catalog ------------------------------------------------------- */

static bool
str_ok (json_t *o, const char *name)
{
  json_t *v = json_object_get (o, name);
  return json_is_string (v) && json_string_length (v) > 0
         && json_string_length (v) <= MAX_FIELD_LEN;
}

static bool
strings_ok (json_t *a, bool nonempty)
{
  size_t i;
  json_t *v;

  if (!json_is_array (a) || (nonempty && json_array_size (a) == 0))
    return false;
  json_array_foreach (a, i, v)
    if (!json_is_string (v) || json_string_length (v) == 0)
      return false;
  return true;
}

static bool
check_component (json_t *c, size_t i)
{
  static const char *const fields[] = {
    "id", "step", "jobField", "title", "requiresProvisioningType", "versions", "detect",
    "artifact", "installerFile", "commandLine", "source", NULL
  };
  json_t *det = json_object_get (c, "detect"), *v;
  const char *k, *file;

  if (!json_is_object (c))
    return ow_err_invalid ("components.json: component %zu is not an object", i), false;
  json_object_foreach (c, k, v) {
    bool known = false;
    for (size_t f = 0; fields[f]; f++)
      known |= strcmp (k, fields[f]) == 0;
    if (!known)
      return ow_err_invalid ("components.json: component %zu: unknown field \"%s\"", i, k), false;
  }
  for (size_t f = 0; fields[f]; f++)
    if (strcmp (fields[f], "versions") != 0 && strcmp (fields[f], "detect") != 0
        && !str_ok (c, fields[f]))
      return ow_err_invalid ("components.json: component %zu: \"%s\" must be a non-empty "
                             "string", i, fields[f]), false;
  if (!strings_ok (json_object_get (c, "versions"), false) || !json_is_object (det)
      || !strings_ok (json_object_get (det, "uninstallDisplayNames"), true)
      || !strings_ok (json_object_get (det, "services"), false) || !str_ok (det, "source"))
    return ow_err_invalid ("components.json: component %zu: \"versions\" (strings) and "
                           "\"detect\" {uninstallDisplayNames, services, source} are required",
                           i), false;
  file = json_string_value (json_object_get (c, "installerFile"));
  if (strpbrk (file, "/\\:\"") || file[0] == '.')
    return ow_err_invalid ("components.json: component %zu: installerFile must be a plain "
                           "file name", i), false;
  if (!strstr (json_string_value (json_object_get (c, "commandLine")), "{installer}"))
    return ow_err_invalid ("components.json: component %zu: commandLine must contain "
                           "{installer}", i), false;
  return true;
}

json_t *
ow_components_parse (const char *data, size_t len)
{
  json_error_t e;
  json_t *root = json_loadb (data, len, 0, &e), *list, *c;
  size_t i;

  if (root == NULL) {
    ow_err_invalid ("components.json: line %d: %s", e.line, e.text);
    return NULL;
  }
  list = json_object_get (root, "components");
  if (json_integer_value (json_object_get (root, "schema")) != 1 || !json_is_array (list)) {
    ow_err_invalid ("components.json: needs schema 1 and a \"components\" array");
    goto bad;
  }
  json_array_foreach (list, i, c)
    if (!check_component (c, i))
      goto bad;
  return root;
 bad:
  json_decref (root);
  return NULL;
}

json_t *
ow_components_load (void)
{
  return ow_components_parse (ow_data_components,
                              (size_t) (ow_data_components_end - ow_data_components));
}

/* ---- detection ----------------------------------------------------- */

static bool
matches_any (json_t *patterns, const char *s)
{
  size_t i;
  json_t *p;

  json_array_foreach (patterns, i, p)
    if (fnmatch (json_string_value (p), s, FNM_CASEFOLD) == 0)
      return true;
  return false;
}

/* 1 and *WHAT ("DisplayName DisplayVersion" or "service X") if the
 * component is in the image, 0 if not, -1 on error. */
static int
detect (struct ow_prep_ctx *ctx, json_t *det, char **what)
{
  json_t *names = json_object_get (det, "uninstallDisplayNames"), *svc;
  size_t i;

  for (size_t u = 0; uninstall_keys[u] && ctx->software; u++) {
    char **subs = ow_hive_subkeys (ctx->software, uninstall_keys[u]);
    if (subs == NULL) {
      if (errno == ENOENT)
        continue;
      return -1;
    }
    for (size_t k = 0; subs[k] && *what == NULL; k++) {
      char *key = NULL, *name = NULL, *ver = NULL;
      if (asprintf (&key, "%s\\%s", uninstall_keys[u], subs[k]) == -1) {
        ow_strv_free (subs);
        return ow_err (ENOMEM, "out of memory");
      }
      if (ow_hive_get_string (ctx->software, key, "DisplayName", &name) == 1
          && matches_any (names, name)) {
        ow_hive_get_string (ctx->software, key, "DisplayVersion", &ver);
        if (asprintf (what, "%s %s", name, ver ? ver : "(no version)") == -1)
          *what = NULL;
      }
      free (key);
      free (name);
      free (ver);
    }
    ow_strv_free (subs);
    if (*what)
      return 1;
  }
  json_array_foreach (json_object_get (det, "services"), i, svc) {
    char *key = NULL;
    int r;
    if (asprintf (&key, "%s\\Services\\%s", ctx->control_set, json_string_value (svc)) == -1)
      return ow_err (ENOMEM, "out of memory");
    r = ctx->system ? ow_hive_key_exists (ctx->system, key) : 0;
    free (key);
    if (r == -1)
      return -1;
    if (r == 1)
      return asprintf (what, "service %s", json_string_value (svc)) == -1
             ? ow_err (ENOMEM, "out of memory") : 1;
  }
  return 0;
}

/* ---- artifacts ----------------------------------------------------- */

/* The host path given as "NAME=PATH", or NULL. */
static const char *
artifact_path (struct ow_prep_ctx *ctx, const char *name)
{
  size_t n = strlen (name);

  for (size_t i = 0; ctx->artifact_paths && ctx->artifact_paths[i]; i++)
    if (strncmp (ctx->artifact_paths[i], name, n) == 0 && ctx->artifact_paths[i][n] == '=')
      return ctx->artifact_paths[i] + n + 1;
  return NULL;
}

/* S with every "{NAME}" replaced by VAL. */
static char *
subst (const char *s, const char *name, const char *val)
{
  char *out = NULL;
  size_t len = 0, nl = strlen (name);
  FILE *f = open_memstream (&out, &len);

  if (f == NULL)
    return NULL;
  while (*s) {
    if (*s == '{' && strncmp (s + 1, name, nl) == 0 && s[nl + 1] == '}') {
      fputs (val, f);
      s += nl + 2;
    }
    else
      fputc (*s++, f);
  }
  if (fclose (f) != 0) {
    free (out);
    return NULL;
  }
  return out;
}

/* ---- the operation ------------------------------------------------- */

struct request {
  json_t *c;               /* catalog entry */
  const char *step, *field, *version;   /* version NULL for booleans */
  char *artifact;          /* artifact name with {version} filled in */
};

static bool
version_listed (json_t *versions, const char *v)
{
  size_t i;
  json_t *e;

  json_array_foreach (versions, i, e)
    if (strcmp (json_string_value (e), v) == 0)
      return true;
  return false;
}

/* 0 = fine, 1 = the step failed (recorded), -1 = error. */
static int
check_request (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct request *rq)
{
  const char *need = json_string_value (json_object_get (rq->c, "requiresProvisioningType"));
  const char *prov = json_string_value (json_object_get (ctx->job, "provisioningType"));
  json_t *versions = json_object_get (rq->c, "versions");

  if (prov == NULL || strcasecmp (prov, need) != 0) {
    ow_plan_step (plan, rq->step, OW_STEP_FAILED, "%s requires provisioningType \"%s\" "
                  "(the job has %s)", rq->field, need, prov ? prov : "none");
    return 1;
  }
  if (rq->version && json_array_size (versions) > 0 && !version_listed (versions, rq->version)) {
    char *list = json_dumps (versions, JSON_COMPACT);
    ow_plan_step (plan, rq->step, OW_STEP_FAILED, "%s: version %s is not in the component "
                  "catalog (known: %s)", rq->field, rq->version, list ? list : "?");
    free (list);
    return 1;
  }
  rq->artifact = subst (json_string_value (json_object_get (rq->c, "artifact")), "version",
                        rq->version ? rq->version : "");
  return rq->artifact ? 0 : ow_err (ENOMEM, "out of memory");
}

/* Verify the artifact against the job's digest.  It is opened once: the
 * digest is taken from *FD and the plan copies from the same descriptor,
 * so a file put under the same name afterwards (the agent's store
 * replaces by rename) is never the one staged.  0 ok (*PATH and *FD set;
 * the caller closes *FD), 1 the step failed (recorded), -1 error. */
static int
check_artifact (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct request *rq,
                const char **path, int *fd)
{
  const char *file = json_string_value (json_object_get (rq->c, "installerFile"));
  const char *want = json_string_value (json_object_get (json_object_get (ctx->job, "artifacts"),
                                                         rq->artifact));
  char got[SHA256_HEX_LEN + 1];
  const char *why;
  struct stat st;

  *fd = -1;
  *path = artifact_path (ctx, rq->artifact);
  if (*path == NULL) {
    ow_plan_step (plan, rq->step, OW_STEP_FAILED, "%s (%s) is not installed and its "
                  "installer %s was not provided: give it with --artifact %s=PATH (ce-offline) "
                  "or PUT /v1/artifacts/%s (ce-agent), and its digest in the job's "
                  "\"artifacts\": {\"%s\": \"sha256:<hex>\"}",
                  json_string_value (json_object_get (rq->c, "title")), rq->field, file,
                  rq->artifact, rq->artifact, rq->artifact);
    return 1;
  }
  if (want == NULL || strncmp (want, "sha256:", 7) != 0
      || strlen (want + 7) != SHA256_HEX_LEN) {
    ow_plan_step (plan, rq->step, OW_STEP_FAILED, "artifact %s: the job's \"artifacts\" "
                  "must give its digest as {\"%s\": \"sha256:<64 hex digits>\"}; an "
                  "installer that runs as SYSTEM is never used unchecked",
                  rq->artifact, rq->artifact);
    return 1;
  }
  *fd = open (*path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  why = *fd == -1 || fstat (*fd, &st) == -1 ? strerror (errno)
        : !S_ISREG (st.st_mode) ? "not a regular file"
        : ow_sha256_fd (*fd, got) == -1 ? ow_error_message () : NULL;
  if (why != NULL) {
    ow_plan_step (plan, rq->step, OW_STEP_FAILED, "artifact %s (%s): %s", rq->artifact, *path,
                  why);
    ow_error_clear ();
    if (*fd >= 0)
      close (*fd);
    *fd = -1;
    return 1;
  }
  if (strcasecmp (got, want + 7) != 0) {
    ow_plan_step (plan, rq->step, OW_STEP_FAILED, "artifact %s (%s): SHA-256 is sha256:%s "
                  "but the job expects %s", rq->artifact, *path, got, want);
    close (*fd);
    *fd = -1;
    return 1;
  }
  return 0;
}

/* Copy the verified installer in and queue its silent install. */
static int
stage (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct request *rq, const char *host,
       int fd)
{
  const char *file = json_string_value (json_object_get (rq->c, "installerFile"));
  char *dest = NULL, *win = NULL, *log = NULL, *c1 = NULL, *c2 = NULL, *cmd = NULL;
  char *desc = NULL;
  size_t before = plan->n;
  int r = -1;

  if (asprintf (&dest, "%s/%s", INSTALLERS_DIR, file) == -1
      || asprintf (&win, "%s\\%s", INSTALLERS_WIN, file) == -1
      || asprintf (&log, "%s\\%s-install.log", INSTALL_LOG_WIN, rq->step) == -1
      || asprintf (&desc, "install %s%s%s", json_string_value (json_object_get (rq->c, "title")),
                   rq->version ? " " : "", rq->version ? rq->version : "") == -1) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  c1 = subst (json_string_value (json_object_get (rq->c, "commandLine")), "installer", win);
  c2 = c1 ? subst (c1, "log", log) : NULL;
  cmd = c2 ? subst (c2, "version", rq->version ? rq->version : "") : NULL;
  if (cmd == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  if (ow_plan_file_copy (plan, rq->step, ctx->vol, dest, fd, host) == -1)
    goto out;
  if (plan->n > before) {
    plan->v[plan->n - 1].note = strdup ("installer for the first-boot runner; protected "
                                        "(SYSTEM and Administrators only); removed by the "
                                        "runner when done");
    if (plan->v[plan->n - 1].note == NULL) {
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
  }
  if (ow_firstboot_add (ctx, rq->step, cmd, desc) == -1)
    goto out;
  ow_plan_step (plan, rq->step, OW_STEP_OK, "%s is not installed: installer %s (%s, SHA-256 "
                "verified) %s %s; the first-boot runner installs it: %s",
                json_string_value (json_object_get (rq->c, "title")), rq->artifact, file,
                plan->n > before ? "copied to" : "already at", dest, cmd);
  r = 0;
 out:
  free (dest);
  free (win);
  free (log);
  free (c1);
  free (c2);
  free (cmd);
  free (desc);
  return r;
}

static int
one_component (struct ow_prep_ctx *ctx, struct ow_plan *plan, json_t *c)
{
  struct request rq = { .c = c };
  json_t *jv;
  char *present = NULL;
  const char *host;
  int r, fd = -1;

  rq.step = json_string_value (json_object_get (c, "step"));
  rq.field = json_string_value (json_object_get (c, "jobField"));
  jv = json_object_get (ctx->job, rq.field);
  if (jv == NULL || json_is_false (jv) || (json_is_string (jv) && json_string_length (jv) == 0))
    return 0;                                  /* not requested */
  if (!json_is_true (jv) && !json_is_string (jv)) {
    ow_plan_step (plan, rq.step, OW_STEP_FAILED, "%s must be true or a version string",
                  rq.field);
    return 0;
  }
  rq.version = json_string_value (jv);
  r = check_request (ctx, plan, &rq);
  if (r == 0)
    r = detect (ctx, json_object_get (c, "detect"), &present);
  if (r == 1 && present) {
    ow_plan_step (plan, rq.step, OW_STEP_NOTHING_TO_DO, "already installed: %s%s%s", present,
                  rq.version ? "; requested " : "", rq.version ? rq.version : "");
    if (rq.version && !strstr (present, rq.version))
      ow_plan_note (plan, "%s: %s is installed, %s %s was requested: an upgrade is not done "
                    "offline", rq.step, present, rq.field, rq.version);
    r = 0;
  }
  else if (r == 0 && (r = check_artifact (ctx, plan, &rq, &host, &fd)) == 0
           && (r = ow_firstboot_dirs_check (ctx, plan, rq.step)) == 0)
    r = stage (ctx, plan, &rq, host, fd);
  if (fd >= 0)
    close (fd);
  free (present);
  free (rq.artifact);
  return r == -1 ? -1 : 0;
}

int
ow_op_components (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  json_t *cat, *c;
  size_t i;
  int r = 0;

  if (!json_is_true (json_object_get (ctx->job, "installMisa"))
      && !json_is_string (json_object_get (ctx->job, "installPvs")))
    return 0;
  cat = ow_components_load ();
  if (cat == NULL)
    return -1;
  json_array_foreach (json_object_get (cat, "components"), i, c)
    if ((r = one_component (ctx, plan, c)) == -1)
      break;
  json_decref (cat);
  return r;
}
