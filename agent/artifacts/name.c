/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Artifact names: one path component from a fixed charset, so a name can
 * never climb out of the store (no '/', no leading dot, so no "." / ".."
 * and no hidden temporary names). */
#include <string.h>

#include "agent.h"

bool
ce_artifact_name_valid (const char *name)
{
  size_t n = strlen (name);
  if (n == 0 || n > CE_MAX_ARTIFACT_NAME || name[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}
