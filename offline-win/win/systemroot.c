/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finding Windows system roots on a volume. */
#include <stdio.h>
#include <stdlib.h>

#include "win.h"

const char *const ow_win_hive_names[] = {
  "SYSTEM", "SOFTWARE", "SECURITY", "SAM", "DEFAULT", NULL,
};

static bool
looks_like_systemroot (struct ow_volume *vol, const char *dir)
{
  char *config = NULL, *cmd = NULL;
  bool yes = false;

  if (asprintf (&config, "%s/System32/config", dir) == -1)
    config = NULL;
  if (asprintf (&cmd, "%s/System32/cmd.exe", dir) == -1)
    cmd = NULL;
  if (config && cmd)
    yes = ow_path_is_dir (vol, config) && ow_path_exists (vol, cmd) == 1;
  free (config);
  free (cmd);
  return yes;
}

char **
ow_win_find_systemroots (struct ow_volume *vol)
{
  char **names = ow_dir_list (vol, "/");
  char **roots;
  size_t n = 0;

  if (names == NULL)
    return NULL;
  for (size_t i = 0; names[i]; i++)
    n++;
  roots = calloc (n + 1, sizeof *roots);
  if (roots == NULL) {
    ow_strv_free (names);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  n = 0;
  /* Any top-level directory may be a system root (not only "Windows"):
   * an unusual name must still be seen, and two roots must be reported. */
  for (size_t i = 0; names[i]; i++) {
    if (names[i][0] != '$' && ow_path_is_dir (vol, names[i]) &&
        looks_like_systemroot (vol, names[i])) {
      roots[n++] = names[i];
      names[i] = strdup ("");   /* moved; keep the vector freeable */
    }
  }
  ow_strv_free (names);
  return roots;
}
