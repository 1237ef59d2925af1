/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PE images: the architecture of cmd.exe (inspection) and the check of a
 * driver's .sys before it is copied into an image (driver injection).
 * Layout and constants: Microsoft, "PE Format"
 * (learn.microsoft.com/windows/win32/debug/pe-format): e_lfanew at 0x3C,
 * "PE\0\0", the COFF header (Machine at +0, SizeOfOptionalHeader at +16),
 * then the optional header (Magic 0x10B PE32 / 0x20B PE32+ at +0,
 * Subsystem at +68 in both); IMAGE_SUBSYSTEM_NATIVE (1) is "device drivers
 * and native Windows processes".  Machine values: "Image File Machine
 * Constants" (learn.microsoft.com/windows/win32/sysinfo/image-file-machine-constants). */
#include <strings.h>

#include "win.h"

#define PE_MIN_DOS_HEADER  0x40
#define COFF_HEADER_SIZE   20
#define OPT_SUBSYSTEM_END  70      /* Subsystem (2 bytes) at +68 */
#define MAGIC_PE32         0x10B
#define MAGIC_PE32_PLUS    0x20B
#define SUBSYSTEM_NATIVE   1

/* Offset of the COFF header, or 0 if BUF is not a PE image. */
static uint32_t
coff_offset (const uint8_t *b, size_t len)
{
  uint32_t pe;

  if (len < PE_MIN_DOS_HEADER || b[0] != 'M' || b[1] != 'Z')
    return 0;
  pe = ow_le32 (b + 0x3C);
  if (pe > len || len - pe < 4 + COFF_HEADER_SIZE || memcmp (b + pe, "PE\0\0", 4) != 0)
    return 0;
  return pe + 4;
}

const char *
ow_pe_arch (const void *buf, size_t len)
{
  const uint8_t *b = buf;
  uint32_t pe;

  if (len < 0x40 || b[0] != 'M' || b[1] != 'Z')
    return NULL;
  pe = ow_le32 (b + 0x3C);
  if (pe > len || len - pe < 6 || memcmp (b + pe, "PE\0\0", 4) != 0)
    return NULL;
  switch (ow_le16 (b + pe + 4)) {
  case 0x8664: return "x86_64";
  case 0x014c: return "i386";
  case 0xaa64: return "aarch64";
  case 0x01c4: return "arm";
  default: return "unknown";
  }
}

/* Machine and optional header magic of an architecture, by either of its
 * names (the INF decoration's and inspection's). */
static bool
arch_machine (const char *arch, uint16_t *machine, uint16_t *magic)
{
  if (strcasecmp (arch, "amd64") == 0 || strcmp (arch, "x86_64") == 0)
    *machine = 0x8664, *magic = MAGIC_PE32_PLUS;
  else if (strcasecmp (arch, "x86") == 0 || strcmp (arch, "i386") == 0)
    *machine = 0x014c, *magic = MAGIC_PE32;
  else if (strcasecmp (arch, "arm64") == 0 || strcmp (arch, "aarch64") == 0)
    *machine = 0xaa64, *magic = MAGIC_PE32_PLUS;
  else
    return false;
  return true;
}

static const char *
machine_name (uint16_t m)
{
  switch (m) {
  case 0x8664: return "amd64";
  case 0x014c: return "x86";
  case 0xaa64: return "arm64";
  case 0x01c4: return "arm (32-bit)";
  case 0x0200: return "ia64";
  default: return "an unknown machine";
  }
}

int
ow_pe_check_driver (const void *buf, size_t len, const char *arch, const char *what)
{
  const uint8_t *b = buf;
  uint32_t coff = coff_offset (b, len), opt;
  uint16_t want_machine, want_magic, machine, opt_size, magic, subsystem;

  if (!arch_machine (arch, &want_machine, &want_magic))
    return ow_err_invalid ("%s: unknown architecture \"%s\"", what, arch);
  if (coff == 0)
    return ow_err_invalid ("%s is not a PE image (no MZ and PE headers)", what);
  machine = ow_le16 (b + coff);
  if (machine != want_machine)
    return ow_err_invalid ("%s is built for %s (machine 0x%04x), the image is %s", what,
                           machine_name (machine), machine, arch);
  opt = coff + COFF_HEADER_SIZE;
  opt_size = ow_le16 (b + coff + 16);
  if (opt_size < OPT_SUBSYSTEM_END || len - opt < OPT_SUBSYSTEM_END)
    return ow_err_invalid ("%s: the PE optional header is missing or truncated", what);
  magic = ow_le16 (b + opt);
  if (magic != want_magic)
    return ow_err_invalid ("%s: optional header magic 0x%03x, a %s image has 0x%03x", what,
                           magic, arch, want_magic);
  subsystem = ow_le16 (b + opt + 68);
  if (subsystem != SUBSYSTEM_NATIVE)
    return ow_err_invalid ("%s: PE subsystem %u, a driver has %u (native)", what, subsystem,
                           SUBSYSTEM_NATIVE);
  return 0;
}
