/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-offline inspect DISK [--json] */
#include <stdio.h>

#include "cli.h"

int
cmd_inspect (int argc, char **argv)
{
  (void) argc; (void) argv;
  fputs ("inspect: not yet\n", stderr);
  return 1;
}
