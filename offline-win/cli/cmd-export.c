/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-offline export DISK --format F --output PATH [--json] [--overwrite]
 *                   [--progress] [--no-digest]
 *
 * Copy DISK (opened read-only) into an image file.  The image is written
 * under a temporary name beside PATH and renamed when complete, so PATH
 * never holds a partial image: not on failure, not on Ctrl-C. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t interrupted;

struct progress_state {
  bool tty;              /* percent on a terminal */
  bool lines;            /* --progress: machine-readable lines */
  int last;              /* last percent shown */
};

static void
on_signal (int sig)
{
  (void) sig;
  interrupted = 1;
}

static void
export_usage (FILE *f)
{
  fputs ("Usage: ce-offline export DISK --format FORMAT --output PATH [--json]\n"
         "                         [--overwrite] [--progress] [--no-digest] [-v]\n"
         "Copy DISK (image file, block device or NBD URI; opened read-only) into an\n"
         "image file.  Inside NTFS volumes, clusters free in $Bitmap are not read\n"
         "and come out as zeros; all-zero blocks become holes.\n"
         "\n"
         "  -f, --format FORMAT  vhdx (dynamic), vhd (fixed, whole MiB: Azure),\n"
         "                       vhd-dynamic, raw (sparse), qcow2, vmdk\n"
         "                       (streamOptimized; qcow2 and vmdk need qemu-img)\n"
         "  -o, --output PATH    the image to write (its directory must exist)\n"
         "  --overwrite          replace PATH if it exists (else: refused, exit 1)\n"
         "  --progress           print 'progress PERCENT DONE TOTAL' lines on stderr\n"
         "  --no-digest          do not compute SHA-256 and MD5 of the output\n"
         "  --json               one JSON document on stdout\n"
         "  -v, --verbose        debug output on stderr\n"
         "  -h, --help           this text\n"
         "\n"
         "Exit codes: 0 written; 1 failed or canceled (PATH not created or left as\n"
         "it was), including PATH existing without --overwrite; 2 usage error.\n", f);
}

static int
on_progress (void *opaque, uint64_t done, uint64_t total)
{
  struct progress_state *p = opaque;
  int pct = total ? (int) (done * 100 / total) : 100;

  if (pct != p->last) {
    p->last = pct;
    if (p->lines)
      fprintf (stderr, "progress %d %" PRIu64 " %" PRIu64 "\n", pct, done, total);
    else if (p->tty)
      fprintf (stderr, "\rexport: %3d%%", pct);
  }
  return interrupted ? 1 : 0;
}

static void
print_human (const struct ow_export_result *r)
{
  printf ("output: %s\nformat: %s\nvirtual size: %" PRIu64 "\nfile size: %" PRIu64 "\n"
          "bytes read: %" PRIu64 "\nbytes written: %" PRIu64 "\nfree bytes skipped: %" PRIu64
          "\n", r->output, ow_export_format_name (r->format), r->virtual_size, r->file_size,
          r->bytes_read, r->bytes_written, r->free_bytes_skipped);
  if (r->sha256[0])
    printf ("sha256: %s\nmd5: %s\n", r->sha256, r->md5);
  for (size_t i = 0; i < r->nvolumes; i++) {
    const struct ow_export_volume *v = &r->volumes[i];
    if (v->free_skipped)
      printf ("partition %u: %s, %" PRIu64 " of %" PRIu64 " clusters in use, free ones skipped\n",
              v->partition, ow_fs_type_name (v->fs), v->used_clusters, v->clusters);
    else
      printf ("partition %u: %s, copied verbatim (%s)\n", v->partition,
              ow_fs_type_name (v->fs), v->reason ? v->reason : "-");
  }
  printf ("seconds: %.2f\n", r->seconds);
}

int
cmd_export (int argc, char **argv)
{
  enum { OPT_JSON = 256, OPT_OVERWRITE, OPT_PROGRESS, OPT_NO_DIGEST };
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "json", no_argument, NULL, OPT_JSON },
    { "overwrite", no_argument, NULL, OPT_OVERWRITE },
    { "progress", no_argument, NULL, OPT_PROGRESS },
    { "no-digest", no_argument, NULL, OPT_NO_DIGEST },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct ow_export_options eo = { .format = OW_EXPORT_VHDX };
  struct ow_export_result res;
  struct progress_state ps = { .last = -1 };
  struct sigaction sa, old_int, old_term;
  const char *format = NULL, *output = NULL;
  struct ow_disk *disk = NULL;
  bool json = false;
  char *doc = NULL;
  int c, ret;

  optind = 1;
  while ((c = getopt_long (argc, argv, "f:o:vh", opts, NULL)) != -1) {
    switch (c) {
    case 'f': format = optarg; break;
    case 'o': output = optarg; break;
    case OPT_JSON: json = true; break;
    case OPT_OVERWRITE: eo.overwrite = true; break;
    case OPT_PROGRESS: ps.lines = true; break;
    case OPT_NO_DIGEST: eo.no_digest = true; break;
    case 'v': ow_set_debug (true); break;
    case 'h': export_usage (stdout); return CLI_EXIT_OK;
    default: return cli_usage_error ("export: %s", "bad option");
    }
  }
  if (optind != argc - 1)
    return cli_usage_error ("export: %s", optind >= argc ? "DISK is missing" : "only one DISK");
  if (!format)
    return cli_usage_error ("export: %s", "--format is required");
  if (!output || !*output)
    return cli_usage_error ("export: %s", "--output PATH is required");
  if (ow_export_format_from_name (format, &eo.format) == -1)
    return cli_usage_error ("export: unknown --format '%s' (vhdx, vhd, vhd-dynamic, raw, "
                            "qcow2, vmdk)", format);

  ps.tty = isatty (STDERR_FILENO);
  eo.progress = on_progress;
  eo.opaque = &ps;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &old_int);
  sigaction (SIGTERM, &sa, &old_term);

  disk = ow_disk_open (argv[optind], OW_DISK_RDONLY);
  if (disk == NULL) {
    ret = cli_fail ();
    goto out;
  }
  if (ow_export (disk, output, &eo, &res) == -1) {
    if (ps.tty && !ps.lines && ps.last >= 0)
      fputc ('\n', stderr);
    /* An unsafe class never comes from export; "invalid" means the request
     * (format vs disk, output is a directory...) and stays exit 2. */
    ret = cli_fail ();
    goto out;
  }
  if (ps.tty && !ps.lines && ps.last >= 0)
    fputc ('\n', stderr);
  if (json) {
    doc = ow_export_result_json (&res);
    if (doc == NULL)
      ret = cli_fail ();
    else {
      puts (doc);
      ret = CLI_EXIT_OK;
    }
  }
  else {
    print_human (&res);
    ret = CLI_EXIT_OK;
  }
  free (doc);
  ow_export_result_free (&res);
 out:
  if (disk)
    ow_disk_close (disk);
  sigaction (SIGINT, &old_int, NULL);
  sigaction (SIGTERM, &old_term, NULL);
  return ret;
}
