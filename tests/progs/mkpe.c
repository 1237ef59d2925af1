/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mkpe ARCH OUT [SUBSYSTEM]: write a minimal valid PE image of ARCH
 * (amd64 or x64, x86, arm64) to OUT: the stand-in .sys of a test driver
 * package, and the fixtures' cmd.exe, ntoskrnl.exe, bootmgfw.efi...
 * (tests/fixtures/make-fixture).  SUBSYSTEM: native (1, the default: a
 * kernel-mode driver), gui (2), console (3), efi (10), or a number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe-image.h"

int
main (int argc, char **argv)
{
  uint8_t buf[PE_IMAGE_SIZE];
  uint16_t machine, subsystem = 1;
  FILE *f;

  if (argc < 3 || argc > 4) {
    fprintf (stderr, "usage: mkpe amd64|x64|x86|arm64 OUT [native|gui|console|efi|NUMBER]\n");
    return 2;
  }
  if (strcmp (argv[1], "amd64") == 0 || strcmp (argv[1], "x64") == 0)
    machine = 0x8664;
  else if (strcmp (argv[1], "x86") == 0)
    machine = 0x014c;
  else if (strcmp (argv[1], "arm64") == 0)
    machine = 0xaa64;
  else {
    fprintf (stderr, "mkpe: unknown architecture %s\n", argv[1]);
    return 2;
  }
  if (argc == 4) {
    static const struct { const char *name; uint16_t v; } subs[] = {
      { "native", 1 }, { "gui", 2 }, { "console", 3 }, { "efi", 10 },
    };
    char *end;
    unsigned long v = strtoul (argv[3], &end, 0);
    subsystem = 0;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
      if (strcmp (argv[3], subs[i].name) == 0)
        subsystem = subs[i].v;
    if (subsystem == 0 && (*end != '\0' || end == argv[3] || v == 0 || v > 0xffff)) {
      fprintf (stderr, "mkpe: unknown subsystem %s\n", argv[3]);
      return 2;
    }
    if (subsystem == 0)
      subsystem = (uint16_t) v;
  }
  pe_image_build (buf, machine, subsystem);
  f = fopen (argv[2], "wbx");
  if (f == NULL || fwrite (buf, sizeof buf, 1, f) != 1 || fclose (f) != 0) {
    perror (argv[2]);
    return 1;
  }
  return 0;
}
