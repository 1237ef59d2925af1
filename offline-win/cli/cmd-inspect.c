/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-offline inspect DISK [--json] */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "win/inspect.h"

static void
inspect_usage (FILE *f)
{
  fputs ("Usage: ce-offline inspect DISK [--json] [-v]\n"
         "Show the partitions, volumes and Windows installations of DISK, the\n"
         "state of every registry hive, and whether the disk is safe to prepare.\n"
         "Read-only.  Exit 0: one Windows, safe to write; 3: unsafe or no single\n"
         "Windows (the reasons are listed); 1: the disk, its partition table or one\n"
         "of its volumes cannot be read (with --json the document still comes out,\n"
         "with \"error\").\n", f);
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
  json_t *pt = json_object_get (doc, "partitionTable"), *v, *p;
  size_t i;

  printf ("Disk: %s (%" JSON_INTEGER_FORMAT " bytes, %s partition table)\n",
          str (json_object_get (doc, "disk"), "path"),
          json_integer_value (json_object_get (json_object_get (doc, "disk"), "size")),
          str (pt, "scheme"));
  json_array_foreach (json_object_get (doc, "partitions"), i, p) {
    printf ("  partition %" JSON_INTEGER_FORMAT ": start %" JSON_INTEGER_FORMAT
            " size %" JSON_INTEGER_FORMAT " %s %s%s%s\n",
            json_integer_value (json_object_get (p, "number")),
            json_integer_value (json_object_get (p, "start")),
            json_integer_value (json_object_get (p, "size")),
            str (p, "role"), str (p, "filesystem"),
            json_object_get (p, "contents") ? " " : "",
            json_object_get (p, "contents") ? str (p, "contents") : "");
  }
  json_array_foreach (json_object_get (doc, "windows"), i, v) {
    json_t *dom = json_object_get (v, "domain"), *vda = json_object_get (v, "vda"), *h;
    size_t k;

    printf ("Windows on partition %" JSON_INTEGER_FORMAT " at %s\n",
            json_integer_value (json_object_get (v, "partition")), str (v, "systemRoot"));
    printf ("  %s (%s, %s), build %s, version %s, %s\n", str (v, "osName"),
            str (v, "productName"), str (v, "installationType"), str (v, "build"),
            str (v, "displayVersion"), str (v, "arch"));
    printf ("  control set %s, drive %s, hostname %s\n", str (v, "currentControlSet"),
            str (v, "driveLetter"), str (v, "hostname"));
    if (json_is_true (json_object_get (dom, "joined")))
      printf ("  domain member of %s (%s)\n", str (dom, "dnsName"), str (dom, "netbiosName"));
    else
      printf ("  workgroup %s\n", str (dom, "workgroup"));
    if (json_is_object (vda))
      printf ("  Citrix VDA %s (%s)\n", str (vda, "version"), str (vda, "displayName"));
    else
      printf ("  no Citrix VDA\n");
    {
      json_t *tool, *e;
      size_t t, m;
      json_array_foreach (json_object_get (v, "sourceTools"), t, tool) {
        printf ("  hypervisor tools: %s (%zu services, %zu filter lists)", str (tool, "title"),
                json_array_size (json_object_get (tool, "services")),
                json_array_size (json_object_get (tool, "filters")));
        json_array_foreach (json_object_get (tool, "products"), m, e)
          printf ("%s %s %s", m ? "," : ":", str (e, "displayName"), str (e, "displayVersion"));
        putchar ('\n');
      }
    }
    json_array_foreach (json_object_get (v, "hives"), k, h)
      if (json_is_true (json_object_get (h, "present")))
        printf ("  hive %-8s %s%s\n", str (h, "name"), str (h, "state"),
                json_array_size (json_object_get (h, "logs")) ? " (logs present)" : "");
  }
  v = json_object_get (doc, "verdict");
  if (json_is_true (json_object_get (v, "writable")))
    printf ("Safe to prepare.\n");
  else {
    json_t *pr;
    printf ("NOT safe to prepare:\n");
    json_array_foreach (json_object_get (v, "problems"), i, pr)
      printf ("  %s: %s\n", str (pr, "code"), str (pr, "message"));
  }
}

/* The disk or its partition table could not be read: exit 1, and with
 * --json still one document, saying why. */
static int
failure_doc (const char *spec, bool as_json)
{
  int rc = cli_fail ();

  if (as_json) {
    json_t *doc = json_pack ("{s:{s:s}, s:{s:s, s:s}, s:{s:I, s:b, s:[]}}",
                             "disk", "path", spec,
                             "error", "code", "disk-unreadable", "message", ow_error_message (),
                             "verdict", "windowsFound", (json_int_t) 0, "writable", 0,
                             "problems");
    if (doc) {
      json_dumpf (doc, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
      putchar ('\n');
      json_decref (doc);
    }
  }
  return rc;
}

int
cmd_inspect (int argc, char **argv)
{
  static const struct option opts[] = {
    { "json", no_argument, NULL, 'j' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool as_json = false;
  struct ow_disk *disk;
  json_t *doc, *verdict;
  int c, rc;

  while ((c = getopt_long (argc, argv, "jvh", opts, NULL)) != -1) {
    switch (c) {
    case 'j': as_json = true; break;
    case 'v': ow_set_debug (true); break;
    case 'h': inspect_usage (stdout); return 0;
    default: inspect_usage (stderr); return CLI_EXIT_USAGE;
    }
  }
  if (optind != argc - 1)
    return cli_usage_error ("inspect: %s", optind >= argc ? "no DISK given" : "one DISK only");

  disk = ow_disk_open (argv[optind], OW_DISK_RDONLY);
  if (disk == NULL)
    return failure_doc (argv[optind], as_json);
  doc = ow_inspect_disk (disk);
  ow_disk_close (disk);
  if (doc == NULL)
    return failure_doc (argv[optind], as_json);

  verdict = json_object_get (doc, "verdict");
  rc = json_is_true (json_object_get (verdict, "writable")) ? 0 : CLI_EXIT_UNSAFE;
  /* A volume that could not be read: a failure, not a verdict. */
  if (json_object_get (doc, "error") != NULL)
    rc = CLI_EXIT_FAILED;
  if (as_json) {
    json_dumpf (doc, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    putchar ('\n');
  }
  else
    print_human (doc);
  if (rc != 0) {
    size_t i;
    json_t *pr;
    json_array_foreach (json_object_get (verdict, "problems"), i, pr)
      fprintf (stderr, "ce-offline: %s\n",
               json_string_value (json_object_get (pr, "message")));
  }
  json_decref (doc);
  return rc;
}
