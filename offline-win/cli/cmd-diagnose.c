/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-offline diagnose DISK [--platform P] [--bundle PATH] [--include FILE]... [--json] */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The names prepare takes (job field "platform"). */
static const char *const platforms[] = {
  "azure", "aws", "gcp", "vsphere", "nutanix", "xenserver", NULL,
};
/* --include given more often than this is not a CE's set of logs. */
#define MAX_INCLUDES 64

static void
diagnose_usage (FILE *f)
{
  fputs ("Usage: ce-offline diagnose DISK [--platform P] [--bundle PATH] [--include FILE]...\n"
         "                            [--json] [-v]\n"
         "Why did the migrated image on DISK not boot or configure?  Read-only: the\n"
         "first-boot runner's outcome, the System event log, driver installs, the\n"
         "registry (boot storage driver, class filters, pending reboot, pagefile,\n"
         "crash dumps), the BCD; each finding with its evidence and a hint.\n"
         "  --platform P    the target (azure, aws, gcp, vsphere, nutanix, xenserver);\n"
         "                  default: inferred from the image\n"
         "  --bundle PATH   also write a ZIP of the report and the logs (never SAM,\n"
         "                  SECURITY or answer files); PATH must not exist\n"
         "  --include FILE  add a host file (a CE log or job record) to the bundle,\n"
         "                  secrets redacted; a job document with an SMB password is\n"
         "                  left out\n"
         "  --json          print the report as JSON\n"
         "Exit 0: report made (whatever it found); 1: the disk cannot be read or the\n"
         "bundle cannot be written; 2: usage.\n", f);
}

static const char *
str (json_t *o, const char *key)
{
  const char *s = json_string_value (json_object_get (o, key));
  return s ? s : "-";
}

static void
print_human (json_t *doc)
{
  json_t *win = json_object_get (doc, "windows"), *pl = json_object_get (doc, "platform");
  json_t *fb = json_object_get (doc, "firstBoot"), *f, *sum = json_object_get (doc, "summary");
  size_t i;

  printf ("Disk: %s (read-only)\n", str (json_object_get (doc, "disk"), "path"));
  if (json_is_object (win))
    printf ("Windows on partition %" JSON_INTEGER_FORMAT " at %s, control set %s\n",
            json_integer_value (json_object_get (win, "partition")), str (win, "systemRoot"),
            str (win, "controlSet"));
  printf ("Platform: %s (%s)\n", str (pl, "target"), str (pl, "from"));
  if (json_is_object (fb))
    printf ("First-boot runner: %s\n", str (fb, "state"));
  printf ("Findings: %" JSON_INTEGER_FORMAT " errors, %" JSON_INTEGER_FORMAT " warnings, %"
          JSON_INTEGER_FORMAT " notes\n", json_integer_value (json_object_get (sum, "error")),
          json_integer_value (json_object_get (sum, "warning")),
          json_integer_value (json_object_get (sum, "info")));
  json_array_foreach (json_object_get (doc, "findings"), i, f)
    printf ("  [%s] %s\n      %s\n", str (f, "severity"), str (f, "code"), str (f, "hint"));
  if (json_is_object (json_object_get (doc, "bundle")))
    printf ("Bundle: %s\n", str (json_object_get (doc, "bundle"), "path"));
}

int
cmd_diagnose (int argc, char **argv)
{
  static const struct option opts[] = {
    { "platform", required_argument, NULL, 'p' },
    { "bundle", required_argument, NULL, 'b' },
    { "include", required_argument, NULL, 'i' },
    { "json", no_argument, NULL, 'j' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *includes[MAX_INCLUDES + 1] = { NULL };
  struct ow_diag_options o = { .includes = includes };
  size_t ninc = 0;
  bool as_json = false, known;
  struct ow_disk *disk;
  char *text = NULL;
  json_t *doc;
  int c, r;

  while ((c = getopt_long (argc, argv, "p:b:i:jvh", opts, NULL)) != -1) {
    switch (c) {
    case 'p':
      known = false;
      for (const char *const *p = platforms; *p; p++)
        known |= strcmp (*p, optarg) == 0;
      if (!known)
        return cli_usage_error ("diagnose: unknown platform '%s' (azure, aws, gcp, vsphere, "
                                "nutanix, xenserver)", optarg);
      o.platform = optarg;
      break;
    case 'b': o.bundle = optarg; break;
    case 'i':
      if (ninc == MAX_INCLUDES)
        return cli_usage_error ("diagnose: more than %s --include files", "64");
      includes[ninc++] = optarg;
      break;
    case 'j': as_json = true; break;
    case 'v': ow_set_debug (true); break;
    case 'h': diagnose_usage (stdout); return 0;
    default: diagnose_usage (stderr); return CLI_EXIT_USAGE;
    }
  }
  if (optind != argc - 1)
    return cli_usage_error ("diagnose: %s", optind >= argc ? "no DISK given" : "one DISK only");
  if (ninc > 0 && o.bundle == NULL)
    return cli_usage_error ("diagnose: %s", "--include needs --bundle");

  disk = ow_disk_open (argv[optind], OW_DISK_RDONLY);
  if (disk == NULL)
    return cli_fail ();
  r = ow_diagnose (disk, &o, &text);
  ow_disk_close (disk);
  if (r == -1)
    return cli_fail ();
  doc = json_loads (text, 0, NULL);
  if (as_json || doc == NULL)
    printf ("%s\n", text);
  else
    print_human (doc);
  json_decref (doc);
  free (text);
  return 0;
}
