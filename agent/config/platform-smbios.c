/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SMBIOS type 11 (OEM strings): QEMU's -smbios type=11,value=ce.config=...
 * and other hypervisors expose them in /sys/firmware/dmi/entries/11-N/raw. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "config/platform.h"

#define SMBIOS_TYPE_OEM_STRINGS 11
#define SMBIOS_HEADER_LEN 4          /* type, length, handle */
#define SMBIOS_OEM_MIN_LEN 5         /* header + string count */
/* A structure is at most the formatted area (255) plus its strings; the
 * kernel exposes it whole, and a base64 config is the bulk of it. */
#define MAX_SMBIOS_ENTRY (2 * CE_MAX_CONFIG_SIZE)
#define MAX_SMBIOS_ENTRIES 64
#define OEM_KEY "ce.config="

int
ce_smbios_oem_config (const unsigned char *raw, size_t rawlen,
                      char **text, size_t *len, char **errmsg)
{
  size_t keylen = strlen (OEM_KEY), off;

  *text = NULL;
  if (rawlen < SMBIOS_OEM_MIN_LEN || raw[0] != SMBIOS_TYPE_OEM_STRINGS)
    return 0;
  if (raw[1] < SMBIOS_OEM_MIN_LEN || raw[1] > rawlen)
    return ce_platform_fail (errmsg, "boot config: SMBIOS type 11 entry has a "
                             "bad length (%u of %zu bytes)", raw[1], rawlen);
  /* The string set: NUL-terminated strings, ended by an empty one. */
  for (off = raw[1]; off < rawlen && raw[off]; ) {
    const unsigned char *s = raw + off;
    const unsigned char *nul = memchr (s, '\0', rawlen - off);
    if (!nul)
      return ce_platform_fail (errmsg, "boot config: SMBIOS type 11 string "
                               "runs past the end of the entry");
    size_t n = (size_t) (nul - s);
    if (n > keylen && !memcmp (s, OEM_KEY, keylen)) {
      size_t dn;
      uint8_t *d = ce_base64_decode ((const char *) s + keylen, n - keylen, &dn);
      char *t;
      if (!d)
        return ce_platform_fail (errmsg, "boot config: SMBIOS OEM string "
                                 "ce.config= is not valid base64");
      if (!(t = realloc (d, dn + 1))) {
        free (d);
        return ce_platform_fail (errmsg, "boot config: out of memory");
      }
      t[dn] = '\0';
      *text = t;
      *len = dn;
      return 1;
    }
    off += n + 1;
  }
  return 0;
}

int
ce_smbios_config (const char *dir, char **text, size_t *len, char **errmsg)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  unsigned seen = 0;
  int r = 0;

  *text = NULL;
  if (!d)
    return 0;
  while (r == 0 && (e = readdir (d))) {
    char *path = NULL, *raw;
    size_t rawlen;
    if (strncmp (e->d_name, "11-", 3))
      continue;
    if (++seen > MAX_SMBIOS_ENTRIES)
      break;
    if (asprintf (&path, "%s/%s/raw", dir, e->d_name) == -1) {
      r = ce_platform_fail (errmsg, "boot config: out of memory");
      break;
    }
    raw = ce_read_file (path, MAX_SMBIOS_ENTRY, &rawlen);
    if (raw) {
      r = ce_smbios_oem_config ((unsigned char *) raw, rawlen, text, len, errmsg);
      explicit_bzero (raw, rawlen);
      free (raw);
    }
    else if (errno != ENOENT && errno != EACCES)
      ce_log (CE_LOG_WARN, "config.platform", "%s: %s", path, strerror (errno));
    free (path);
  }
  closedir (d);
  return r;
}
