/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command table of ce-offline. */
#include <stddef.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
  { "inspect", cmd_inspect },
  { "prepare", cmd_prepare },
  { "hive-recover", cmd_hive_recover },
  { "export", cmd_export },
  { "diagnose", cmd_diagnose },
  { NULL, NULL },
};
