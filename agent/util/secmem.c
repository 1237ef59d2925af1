/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jansson's allocator in the agent: every block jansson frees is zeroed
 * first.  Job documents carry SMB passwords, and jansson copies what it
 * parses through its own buffers (the lexer's token buffer, string values,
 * object keys) and frees them without wiping; ce_share_forget_credentials
 * can wipe only the final string.
 *
 * free() is not told the size of a block.  A size header in front of each
 * block would tell it, but then json_dumps()'s strings could no longer be
 * released with free(), as the agent and libofflinewin do everywhere; the
 * allocator's own malloc_usable_size() gives the size instead (at least
 * what was asked for), and the blocks stay plain malloc blocks. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

static void
zeroing_free (void *p)
{
  if (!p)
    return;
  explicit_bzero (p, malloc_usable_size (p));
  free (p);
}

void
ce_json_wipe_on_free (void)
{
  json_set_alloc_funcs (malloc, zeroing_free);
}
