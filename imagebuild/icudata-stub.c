/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A stand-in for libicudata.so (30 MB of ICU locale and converter tables) in
 * the appliance initramfs.
 *
 * Why: ce-agent reaches ICU only through libnbd -> libxml2 -> libicuuc, and
 * libnbd uses libxml2 for nothing but parsing nbd:// URIs.  The appliance
 * works on attached block devices, never on NBD URIs, and libxml2's URI parser
 * needs no ICU data.  The dynamic loader still insists on the library, so it
 * gets this one: the single data symbol libicuuc links against, holding a
 * header ICU rejects (wrong magic), so any ICU call that did need data would
 * fail with U_INVALID_FORMAT_ERROR instead of reading garbage.
 *
 * ICU_DATA_SYMBOL (e.g. icudt72_dat) is taken from the host library by
 * imagebuild/module.mk so the stub follows the installed ICU version. */
#ifndef ICU_DATA_SYMBOL
#error "build with -DICU_DATA_SYMBOL=icudtNN_dat"
#endif

#define ICU_STUB_BYTES 64

__attribute__ ((visibility ("default"), aligned (16)))
const unsigned char ICU_DATA_SYMBOL[ICU_STUB_BYTES] = {
  /* headerSize, then magic1/magic2 = 0 (ICU wants 0xda 0x27). */
  0x20, 0x00, 0x00, 0x00,
};
