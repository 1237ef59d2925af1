/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the local Group Policy ini files the
 * first-boot runner merges into (prepare/op-firstboot.c): the input is the
 * bytes of a scripts.ini or gpt.ini as read from the volume.  It is decoded
 * (UTF-16LE / UTF-8 / ANSI), merged both as scripts.ini and as gpt.ini, and
 * every merge result is written back in the file's encoding and read again.
 * Properties checked (abort = a finding):
 *   - decoding what we encoded gives the same text and encoding;
 *   - a merge result merged again changes nothing (a re-run of the job
 *     plans no change) and still carries our entry;
 *   - scripts.ini said unchanged is returned as it was. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* prepare/op-firstboot.c test entry points. */
int ow_fb_ini_decode (const void *buf, size_t len, char **text, int *enc);
void *ow_fb_ini_encode (const char *text, int enc, size_t *len);
char *ow_fb_ext_merge (const char *names);
char *ow_fb_gpt_merge (const char *old, bool bump, bool *changed);
char *ow_fb_ini_get (const char *text, const char *section, const char *key);
char *ow_fb_scripts_merge (const char *old, const char *cmdline, const char *params,
                           bool *changed, bool *had_ours);

/* What stage_runner passes for a C: drive. */
#define CMDLINE "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
#define PARAMS  "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File " \
                "\"C:\\ProgramData\\CE-Appliance\\firstboot\\runner.ps1\""

/* TEXT written back in ENC and read again must be TEXT in ENC. */
static void
round_trip (const char *text, int enc)
{
  size_t len = 0;
  void *b = ow_fb_ini_encode (text, enc, &len);
  char *again = NULL;
  int enc2 = -1;

  if (b == NULL)
    return;                    /* out of memory, or not encodable */
  if (ow_fb_ini_decode (b, len, &again, &enc2) == 0
      && (enc2 != enc || strcmp (again, text) != 0))
    abort ();
  free (again);
  free (b);
}

static void
scripts (const char *text, int enc)
{
  bool changed, had, changed2, had2;
  char *m = ow_fb_scripts_merge (text, CMDLINE, PARAMS, &changed, &had), *m2;

  if (m == NULL)
    return;
  if (!changed && strcmp (m, text) != 0)
    abort ();
  m2 = ow_fb_scripts_merge (m, CMDLINE, PARAMS, &changed2, &had2);
  if (m2 == NULL || changed2 || !had2 || strcmp (m2, m) != 0)
    abort ();
  round_trip (m, enc);
  free (m2);
  free (m);
}

static void
gpt (const char *text, int enc, bool bump)
{
  bool changed, changed2;
  char *m = ow_fb_gpt_merge (text, bump, &changed), *m2, *ext;

  /* (Unchanged, the result is not written: its line ends may differ.) */
  if (m == NULL)
    return;
  m2 = ow_fb_gpt_merge (m, false, &changed2);
  if (m2 == NULL || changed2 || strcmp (m2, m) != 0)
    abort ();
  /* The scripts extension is listed in what Windows will read (GUIDs in
   * any case). */
  ext = ow_fb_ini_get (m, "General", "gPCMachineExtensionNames");
  if (ext == NULL || strcasestr (ext, "{42B5FAAE-6536-11D2-AE5A-0000F87571E3}") == NULL)
    abort ();
  round_trip (m, enc);
  free (ext);
  free (m2);
  free (m);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = NULL, *ext;
  int enc = -1;

  if (ow_fb_ini_decode (data, size, &text, &enc) == 0) {
    round_trip (text, enc);
    scripts (text, enc);
    gpt (text, enc, false);
    gpt (text, enc, true);
    free (ow_fb_ini_get (text, "Startup", "0CmdLine"));
    ext = ow_fb_ini_get (text, "General", "gPCMachineExtensionNames");
    free (ow_fb_ext_merge (ext ? ext : text));
    free (ext);
    free (text);
  }
  ow_error_clear ();
  return 0;
}
