/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-offline prepare DISK --job FILE [--dry-run] [--json] [--artifact NAME=PATH]... */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Artifacts are named on the command line one by one. */
#define MAX_ARTIFACT_ARGS 64

static void
prepare_usage (FILE *f)
{
  fputs ("Usage: ce-offline prepare DISK --job FILE [--dry-run] [--json]\n"
         "                  [--artifact NAME=PATH]... [--temp-disk] [-v]\n"
         "Build the complete plan of the job (every registry value and file it will\n"
         "change, with old and new values), check it against the disk, then apply it\n"
         "crash-safely.  --dry-run prints the plan and writes nothing.  FILE '-' reads\n"
         "the job from standard input.  --temp-disk: the VM this runs on has a\n"
         "temporary resource disk (pagefile \"auto\" then uses D:).\n"
         "Exit: 0 done; 1 failed; 2 invalid job; 3 disk unsafe, left untouched.\n", f);
}

static char *
read_job (const char *file, size_t *len)
{
  FILE *f = strcmp (file, "-") == 0 ? stdin : fopen (file, "rb");
  char *buf = NULL;
  size_t cap = 0;

  *len = 0;
  if (f == NULL) {
    fprintf (stderr, "ce-offline: %s: %s\n", file, strerror (errno));
    return NULL;
  }
  for (;;) {
    size_t n;
    if (*len == cap) {
      char *nb;
      cap = cap ? cap * 2 : 4096;
      if (cap > 4u * 1024 * 1024 || (nb = realloc (buf, cap)) == NULL) {
        fprintf (stderr, "ce-offline: %s: job document too large\n", file);
        free (buf);
        buf = NULL;
        break;
      }
      buf = nb;
    }
    n = fread (buf + *len, 1, cap - *len, f);
    *len += n;
    if (n == 0)
      break;
  }
  if (f != stdin)
    fclose (f);
  return buf;
}

static void
show_progress (void *opaque, int pct, const char *step)
{
  (void) opaque;
  fprintf (stderr, "\r[%3d%%] %-24s", pct, step);
  if (pct >= 100)
    fputc ('\n', stderr);
}

static void
print_value (json_t *v)
{
  char *s = json_dumps (v, JSON_ENCODE_ANY | JSON_COMPACT);
  fputs (s ? s : "?", stdout);
  free (s);
}

static void
print_human (json_t *res)
{
  json_t *c, *s, *n;
  size_t i;
  bool dry = json_is_true (json_object_get (res, "dryRun"));

  printf ("%s for %s:\n", dry ? "Plan (dry run, nothing written)" : "Changes made",
          json_string_value (json_object_get (res, "disk")));
  json_array_foreach (json_object_get (res, "changes"), i, c) {
    const char *kind = json_string_value (json_object_get (c, "kind"));
    printf ("  [%s] ", json_string_value (json_object_get (c, "step")));
    if (strncmp (kind, "registry", 8) == 0) {
      printf ("%s\\%s", json_string_value (json_object_get (c, "hive")),
              json_string_value (json_object_get (c, "key")));
      if (json_object_get (c, "value"))
        printf (" : %s", json_string_value (json_object_get (c, "value")));
      if (strcmp (kind, "registry-delete-key") == 0)
        fputs ("  (key deleted)", stdout);
      else {
        fputs ("  ", stdout);
        print_value (json_object_get (c, "old"));
        fputs (" -> ", stdout);
        print_value (json_object_get (c, "new"));
      }
    }
    else
      printf ("%s %s", kind, json_string_value (json_object_get (c, "path")));
    putchar ('\n');
  }
  if (json_array_size (json_object_get (res, "changes")) == 0)
    puts ("  (no changes: the image already matches the job)");
  puts ("Steps:");
  json_array_foreach (json_object_get (res, "steps"), i, s)
    printf ("  %-14s %-14s %s\n", json_string_value (json_object_get (s, "step")),
            json_string_value (json_object_get (s, "status")),
            json_string_value (json_object_get (s, "message")));
  json_array_foreach (json_object_get (res, "notes"), i, n)
    printf ("Note: %s\n", json_string_value (n));
}

int
cmd_prepare (int argc, char **argv)
{
  static const struct option opts[] = {
    { "job", required_argument, NULL, 'J' },
    { "dry-run", no_argument, NULL, 'n' },
    { "json", no_argument, NULL, 'j' },
    { "artifact", required_argument, NULL, 'a' },
    { "temp-disk", no_argument, NULL, 't' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *job_file = NULL, *artifacts[MAX_ARTIFACT_ARGS + 1] = { NULL };
  size_t nart = 0, len;
  struct ow_prepare_options po = { .artifacts = artifacts, .host_dirs = true };
  bool as_json = false;
  struct ow_job *job;
  char *text, *result = NULL;
  int c, r, rc;

  while ((c = getopt_long (argc, argv, "jvh", opts, NULL)) != -1) {
    switch (c) {
    case 'J': job_file = optarg; break;
    case 'n': po.dry_run = true; break;
    case 'j': as_json = true; break;
    case 't': po.temp_disk = true; break;
    case 'v': ow_set_debug (true); break;
    case 'a':
      if (strchr (optarg, '=') == NULL || optarg[0] == '=')
        return cli_usage_error ("prepare: --artifact wants NAME=PATH, not '%s'", optarg);
      if (nart == MAX_ARTIFACT_ARGS)
        return cli_usage_error ("prepare: more than %s artifacts", "64");
      artifacts[nart++] = optarg;
      break;
    case 'h': prepare_usage (stdout); return 0;
    default: prepare_usage (stderr); return CLI_EXIT_USAGE;
    }
  }
  if (optind != argc - 1)
    return cli_usage_error ("prepare: %s", optind >= argc ? "no DISK given" : "one DISK only");
  if (job_file == NULL)
    return cli_usage_error ("prepare: %s", "--job FILE is required");
  text = read_job (job_file, &len);
  if (text == NULL)
    return CLI_EXIT_USAGE;
  job = ow_job_parse (text, len);
  free (text);
  if (job == NULL)
    return cli_fail ();
  if (!as_json && isatty (STDERR_FILENO))
    po.progress = show_progress;

  r = ow_prepare (argv[optind], job, &po, &result);
  rc = r == 0 ? 0 : cli_exit_code ();
  if (result) {
    json_t *res = json_loads (result, 0, NULL);
    if (as_json)
      puts (result);
    else if (res)
      print_human (res);
    json_decref (res);
  }
  if (r == -1)
    fprintf (stderr, "ce-offline: %s\n", ow_error_message ());
  free (result);
  ow_job_free (job);
  return rc;
}
