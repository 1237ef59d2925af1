/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One AddReg line of a service-install section -> a registry value of the
 * service key ("INF AddReg Directive": root, subkey, value name, flags,
 * data; docs/drivers.md lists the flags we apply). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "inf.h"

/* FLG_ADDREG_* (setupapi.h, "INF AddReg Directive"). */
#define FLG_ADDREG_BINVALUETYPE  0x00000001u
#define FLG_ADDREG_NOCLOBBER     0x00000002u
#define FLG_ADDREG_DELVAL        0x00000004u
#define FLG_ADDREG_APPEND        0x00000008u
#define FLG_ADDREG_KEYONLY       0x00000010u
#define FLG_ADDREG_OVERWRITEONLY 0x00000020u
#define FLG_ADDREG_64BITKEY      0x00001000u
#define FLG_ADDREG_KEYONLY_COMMON 0x00002000u
#define FLG_ADDREG_32BITKEY      0x00004000u
#define FLG_ADDREG_TYPE_MASK     0xFFFF0001u
#define FLG_ADDREG_TYPE_SZ       0x00000000u
#define FLG_ADDREG_TYPE_MULTI_SZ 0x00010000u
#define FLG_ADDREG_TYPE_EXPAND_SZ 0x00020000u
#define FLG_ADDREG_TYPE_DWORD    0x00010001u
#define FLG_ADDREG_TYPE_NONE     0x00020001u

static int
nomem (void)
{
  return ow_err (ENOMEM, "INF AddReg: out of memory");
}

/* A number as INFs write them: 0x hex or decimal. */
int
ow_inf_number (const char *s, unsigned long *v)
{
  char *end;

  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '\0' || *s == '-')
    return -1;
  errno = 0;
  *v = strtoul (s, &end, 0);
  if (errno || *end != '\0' || *v > UINT32_MAX)
    return -1;
  return 0;
}

static int
hexbytes (const struct ow_inf_line *l, size_t from, void **data, size_t *len)
{
  uint8_t *b = malloc (l->nfields > from ? l->nfields - from : 1);
  size_t n = 0;

  if (b == NULL)
    return nomem ();
  for (size_t i = from; i < l->nfields; i++) {
    char *end;
    unsigned long v;

    if (l->fields[i][0] == '\0')
      continue;
    errno = 0;
    v = strtoul (l->fields[i], &end, 16);
    if (errno || *end || v > 0xFF) {
      free (b);
      return 1;
    }
    b[n++] = (uint8_t) v;
  }
  *data = b;
  *len = n;
  return 0;
}

int
ow_inf_addreg_line (struct ow_drv_service *svc, const struct ow_inf_line *l, const char **why)
{
  const char *root = l->nfields > 0 ? l->fields[0] : "";
  const char *subkey = l->nfields > 1 ? l->fields[1] : "";
  const char *value = l->nfields > 2 ? l->fields[2] : "";
  unsigned long flags = 0;
  struct ow_drv_reg r = { 0 }, *p;
  uint32_t type;
  int rc;

  if (l->key) {
    *why = "not an AddReg line";
    return 1;
  }
  if (strcasecmp (root, "HKR") != 0) {
    *why = "a root other than HKR (the service key)";
    return 1;
  }
  if (l->nfields > 3 && l->fields[3][0] && ow_inf_number (l->fields[3], &flags) == -1) {
    *why = "flags that are not a number";
    return 1;
  }
  if (flags & (FLG_ADDREG_DELVAL | FLG_ADDREG_APPEND | FLG_ADDREG_OVERWRITEONLY
               | FLG_ADDREG_KEYONLY_COMMON)) {
    *why = "FLG_ADDREG_DELVAL/APPEND/OVERWRITEONLY/KEYONLY_COMMON";
    return 1;
  }
  if (flags & FLG_ADDREG_KEYONLY) {
    /* The key is created by its values; an empty key alone is listed. */
    for (size_t i = 0; i < svc->nreg; i++)
      if (strcasecmp (svc->reg[i].subkey, subkey) == 0)
        return 0;
    *why = "FLG_ADDREG_KEYONLY (an empty key)";
    return 1;
  }
  switch (flags & FLG_ADDREG_TYPE_MASK) {
  case FLG_ADDREG_TYPE_SZ:
  case FLG_ADDREG_TYPE_EXPAND_SZ:
    type = (flags & FLG_ADDREG_TYPE_MASK) == FLG_ADDREG_TYPE_SZ ? OW_REG_SZ : OW_REG_EXPAND_SZ;
    r.data = ow_reg_encode_sz (l->nfields > 4 ? l->fields[4] : "", &r.len);
    if (r.data == NULL) {
      *why = "a string that is not valid UTF-8";
      return 1;
    }
    break;
  case FLG_ADDREG_TYPE_MULTI_SZ: {
    const char *const *strs = (const char *const *) (l->nfields > 4 ? l->fields + 4 : NULL);

    type = OW_REG_MULTI_SZ;
    r.data = ow_reg_encode_multi_sz (strs, l->nfields > 4 ? l->nfields - 4 : 0, &r.len);
    if (r.data == NULL) {
      *why = "a string that is not valid UTF-8";
      return 1;
    }
    break;
  }
  case FLG_ADDREG_TYPE_DWORD: {
    unsigned long v;

    type = OW_REG_DWORD;
    if (l->nfields < 5 || ow_inf_number (l->fields[4], &v) == -1) {
      *why = "a REG_DWORD value that is not one number";
      return 1;
    }
    r.data = malloc (4);
    if (r.data == NULL)
      return nomem ();
    ow_reg_encode_dword ((uint32_t) v, r.data);
    r.len = 4;
    break;
  }
  case FLG_ADDREG_TYPE_NONE:
    type = OW_REG_NONE;
    break;
  default:
    if (!(flags & FLG_ADDREG_BINVALUETYPE)) {
      *why = "an unknown value type";
      return 1;
    }
    /* 0x1 REG_BINARY, or (type << 16) | 1: bytes of that type. */
    type = (flags >> 16) ? (uint32_t) (flags >> 16) : OW_REG_BINARY;
    rc = hexbytes (l, 4, &r.data, &r.len);
    if (rc == -1)
      return -1;
    if (rc == 1) {
      *why = "binary data that is not hex bytes";
      return 1;
    }
  }
  if (svc->nreg >= OW_INF_MAX_REG) {
    free (r.data);
    *why = "more registry values than the limit";
    return 1;
  }
  r.type = type;
  r.flags = (uint32_t) flags;
  r.subkey = strdup (subkey);
  r.value = strdup (value);
  p = ow_inf_grow (&svc->reg, svc->nreg, svc->nreg + 1, sizeof *p) == 0 ? svc->reg : NULL;
  if (r.subkey == NULL || r.value == NULL || p == NULL) {
    free (r.subkey);
    free (r.value);
    free (r.data);
    if (p)
      svc->reg = p;
    return nomem ();
  }
  svc->reg = p;
  p[svc->nreg++] = r;
  return 0;
}
