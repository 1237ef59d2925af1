/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the fuzz harnesses that take a whole volume image: the corpus
 * stores volumes with their trailing zeros cut, so the input is padded
 * back to the size its boot sector CLAIMED (capped at MAX), and never cut
 * below the input itself. */
#ifndef CE_FUZZ_VOLUME_H
#define CE_FUZZ_VOLUME_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A zero-padded copy of DATA, *VSIZE bytes long (free it); NULL when the
 * volume would be empty or memory is short. */
static inline uint8_t *
fuzz_pad_volume (const uint8_t *data, size_t size, uint64_t claimed, uint64_t max,
                 uint64_t *vsize)
{
  uint8_t *buf;

  *vsize = claimed > max ? max : claimed;
  if (*vsize < size)
    *vsize = size;
  if (*vsize == 0)
    return NULL;
  buf = calloc (1, *vsize);
  if (buf != NULL)
    memcpy (buf, data, size);
  return buf;
}

#endif
