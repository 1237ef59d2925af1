/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NULL-terminated string vectors (REG_MULTI_SZ values and the like). */
#include <stdlib.h>

#include "internal.h"

void
ow_strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}
