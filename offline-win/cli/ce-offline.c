/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-offline: command dispatch and the one place errors become exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
usage (FILE *f)
{
  fputs ("Usage:\n"
         "  ce-offline inspect DISK [--json]\n"
         "  ce-offline prepare DISK --job FILE [--dry-run] [--json] [--artifact NAME=PATH]...\n"
         "  ce-offline hive-recover HIVE --output FILE [--json]\n"
         "  ce-offline export DISK --format vhdx|vhd|vhd-dynamic|raw|qcow2|vmdk --output PATH\n"
         "             [--json] [--overwrite] [--progress] [--no-digest]\n"
         "  ce-offline diagnose DISK [--platform P] [--bundle PATH] [--include FILE]... [--json]\n"
         "  ce-offline --help | --version\n"
         "\n"
         "DISK is an image file, a block device or an NBD URI\n"
         "(nbd://host:port/name, nbd+unix:///name?socket=PATH).\n"
         "Common options: -v/--verbose (debug output on stderr).\n"
         "Exit codes: 0 done; 1 failed (a prepare job is rolled back whole); 2 usage or\n"
         "invalid job; 3 the disk is unsafe to write and was left untouched.\n"
         "See ce-offline(1).\n", f);
}

int
cli_exit_code (void)
{
  switch (ow_error_class ()) {
  case OW_ERR_UNSAFE: return CLI_EXIT_UNSAFE;
  case OW_ERR_INVALID: return CLI_EXIT_USAGE;
  default: return CLI_EXIT_FAILED;
  }
}

int
cli_fail (void)
{
  fprintf (stderr, "ce-offline: %s\n", ow_error_message ());
  return cli_exit_code ();
}

int
cli_usage_error (const char *fmt, const char *arg)
{
  fputs ("ce-offline: ", stderr);
  fprintf (stderr, fmt, arg);
  fputs ("\nTry 'ce-offline --help'.\n", stderr);
  return CLI_EXIT_USAGE;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    return usage (stderr), CLI_EXIT_USAGE;
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    return usage (stdout), 0;
  if (strcmp (argv[1], "--version") == 0)
    return printf ("ce-offline %s\n", CE_VERSION), 0;
  for (const struct cli_command *c = cli_commands; c->name; c++)
    if (strcmp (argv[1], c->name) == 0)
      return c->run (argc - 1, argv + 1);
  return cli_usage_error ("unknown command '%s'", argv[1]);
}
