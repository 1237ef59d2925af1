/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the ce-offline CLI. */
#ifndef CE_OFFLINE_CLI_H
#define CE_OFFLINE_CLI_H

#include "offlinewin.h"

#define CE_VERSION "0.1.0"

enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILED = 1,
  CLI_EXIT_USAGE = 2,
  CLI_EXIT_UNSAFE = 3,
};

struct cli_command {
  const char *name;
  int (*run) (int argc, char **argv);   /* argv[0] is the command name */
};
extern const struct cli_command cli_commands[];

/* Print the library's last error on stderr; return the exit code for it. */
int cli_fail (void);
int cli_exit_code (void);
/* Print a usage error naming ARG; return 2. */
int cli_usage_error (const char *fmt, const char *arg);

/* One function per command, each in its own file. */
int cmd_inspect (int argc, char **argv);
int cmd_prepare (int argc, char **argv);
int cmd_hive_recover (int argc, char **argv);
int cmd_export (int argc, char **argv);
int cmd_diagnose (int argc, char **argv);

#endif
