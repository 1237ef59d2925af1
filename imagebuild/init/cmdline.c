/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The kernel command line: space-separated KEY or KEY=VALUE words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"

static char *
read_cmdline (void)
{
  FILE *f = fopen ("/proc/cmdline", "re");
  char *buf = NULL;
  size_t n;

  if (!f)
    return NULL;
  buf = malloc (MAX_CMDLINE + 1);
  if (buf) {
    n = fread (buf, 1, MAX_CMDLINE, f);
    buf[n] = '\0';
  }
  fclose (f);
  return buf;
}

char *
init_cmdline_get (const char *key)
{
  char *line = read_cmdline (), *save = NULL, *word, *r = NULL;
  size_t klen = strlen (key);

  if (!line)
    return NULL;
  for (word = strtok_r (line, " \t\n", &save); word; word = strtok_r (NULL, " \t\n", &save)) {
    if (strncmp (word, key, klen) != 0)
      continue;
    if (word[klen] != '\0' && word[klen] != '=')
      continue;
    /* The last occurrence wins, as for the kernel's own parameters. */
    free (r);
    r = strdup (word[klen] == '=' ? word + klen + 1 : "");
  }
  free (line);
  return r;
}
