/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A minimal valid PE image (stand-in driver .sys) for the tests: DOS
 * header, "PE\0\0", COFF header, optional header (PE32 for i386, PE32+
 * otherwise) with 16 empty data directories, one .text section holding a
 * `ret`.  Layout and constants: Microsoft's "PE Format" page
 * (learn.microsoft.com/windows/win32/debug/pe-format). */
#ifndef TESTS_PE_IMAGE_H
#define TESTS_PE_IMAGE_H

#include <stdint.h>
#include <string.h>

#define PE_IMAGE_SIZE 0x400     /* headers (0x200) + one file-aligned section */
#define PE_LFANEW     0x40

static inline void pe_put16 (uint8_t *p, uint16_t v) { p[0] = v & 0xff; p[1] = v >> 8; }
static inline void pe_put32 (uint8_t *p, uint32_t v)
{ pe_put16 (p, v & 0xffff); pe_put16 (p + 2, v >> 16); }

/* Fill BUF (PE_IMAGE_SIZE bytes) with an image of MACHINE (0x8664 amd64,
 * 0x14c i386, 0xaa64 arm64) and SUBSYSTEM (1 native = a driver). */
static inline void
pe_image_build (uint8_t *buf, uint16_t machine, uint16_t subsystem)
{
  int pe32 = machine == 0x014c;
  uint16_t opt_size = pe32 ? 0xE0 : 0xF0;
  uint8_t *coff = buf + PE_LFANEW + 4, *opt = coff + 20, *sec = opt + opt_size;

  memset (buf, 0, PE_IMAGE_SIZE);
  buf[0] = 'M'; buf[1] = 'Z';
  pe_put32 (buf + 0x3C, PE_LFANEW);
  memcpy (buf + PE_LFANEW, "PE\0\0", 4);
  pe_put16 (coff, machine);
  pe_put16 (coff + 2, 1);                     /* NumberOfSections */
  pe_put16 (coff + 16, opt_size);             /* SizeOfOptionalHeader */
  pe_put16 (coff + 18, pe32 ? 0x0102 : 0x0022); /* EXECUTABLE_IMAGE | 32BIT / LARGE_ADDRESS_AWARE */
  pe_put16 (opt, pe32 ? 0x10B : 0x20B);       /* Magic */
  pe_put32 (opt + 4, 0x200);                  /* SizeOfCode */
  pe_put32 (opt + 16, 0x1000);                /* AddressOfEntryPoint */
  pe_put32 (opt + 20, 0x1000);                /* BaseOfCode */
  if (pe32)
    pe_put32 (opt + 28, 0x10000);             /* ImageBase */
  else
    pe_put32 (opt + 24, 0x10000);             /* ImageBase (low half) */
  pe_put32 (opt + 32, 0x1000);                /* SectionAlignment */
  pe_put32 (opt + 36, 0x200);                 /* FileAlignment */
  pe_put16 (opt + 40, 6);                     /* MajorOperatingSystemVersion */
  pe_put16 (opt + 48, 6);                     /* MajorSubsystemVersion */
  pe_put32 (opt + 56, 0x2000);                /* SizeOfImage */
  pe_put32 (opt + 60, 0x200);                 /* SizeOfHeaders */
  pe_put16 (opt + 68, subsystem);             /* Subsystem */
  pe_put16 (opt + 70, 0x0100);                /* DllCharacteristics: NX_COMPAT */
  pe_put32 (opt + (pe32 ? 92 : 108), 16);     /* NumberOfRvaAndSizes */
  memcpy (sec, ".text", 5);
  pe_put32 (sec + 8, 1);                      /* VirtualSize */
  pe_put32 (sec + 12, 0x1000);                /* VirtualAddress */
  pe_put32 (sec + 16, 0x200);                 /* SizeOfRawData */
  pe_put32 (sec + 20, 0x200);                 /* PointerToRawData */
  pe_put32 (sec + 36, 0x60000020);            /* CODE | EXECUTE | READ */
  buf[0x200] = machine == 0xaa64 ? 0xC0 : 0xC3; /* ret (arm64: first byte of d65f03c0) */
  if (machine == 0xaa64) {
    buf[0x201] = 0x03; buf[0x202] = 0x5f; buf[0x203] = 0xd6;
  }
}

#endif
