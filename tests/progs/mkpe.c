/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mkpe ARCH OUT [SUBSYSTEM]: write a minimal valid PE image of ARCH
 * (amd64, x86, arm64) to OUT, as the stand-in .sys of a test driver
 * package.  SUBSYSTEM defaults to 1 (native: a kernel-mode driver). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe-image.h"

int
main (int argc, char **argv)
{
  uint8_t buf[PE_IMAGE_SIZE];
  uint16_t machine;
  FILE *f;

  if (argc < 3 || argc > 4) {
    fprintf (stderr, "usage: mkpe amd64|x86|arm64 OUT [SUBSYSTEM]\n");
    return 2;
  }
  if (strcmp (argv[1], "amd64") == 0)
    machine = 0x8664;
  else if (strcmp (argv[1], "x86") == 0)
    machine = 0x014c;
  else if (strcmp (argv[1], "arm64") == 0)
    machine = 0xaa64;
  else {
    fprintf (stderr, "mkpe: unknown architecture %s\n", argv[1]);
    return 2;
  }
  pe_image_build (buf, machine, argc == 4 ? (uint16_t) strtoul (argv[3], NULL, 0) : 1);
  f = fopen (argv[2], "wbx");
  if (f == NULL || fwrite (buf, sizeof buf, 1, f) != 1 || fclose (f) != 0) {
    perror (argv[2]);
    return 1;
  }
  return 0;
}
