/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the agent's job-document parser (the body of
 * POST /v1/jobs): ce_jobdoc_parse over libofflinewin's ow_job_parse.
 * Build: make fuzz-agent (clang, agent/module.mk); run by
 * tests/test-agent-fuzz-jobdoc.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ce_error err = { 0 };
  json_t *doc = NULL;
  const char *type = ce_jobdoc_parse ((const char *) data, size, &doc, &err);

  /* Either a type and a document, or an error with a code and message. */
  if (type) {
    if (!doc || !json_is_object (doc) || err.kind != CE_E_NONE)
      abort ();
  }
  else if (doc || err.kind == CE_E_NONE || !err.code || !err.message)
    abort ();
  json_decref (doc);
  ce_error_clear (&err);
  return 0;
}
