/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the INF parser and the driver selection
 * (offline-win/drivers/inf*.c): the input is the bytes of an INF as a
 * driver package ships it (any encoding).  It is parsed; every section and
 * line is walked; then it is put in a selection set as the only INF of a
 * package holding every file it names, and a driver is chosen for the IDs
 * its models sections list and for virtio's, on several images.
 * Properties checked (abort = a finding):
 *   - a choice is complete: INF path, model and install sections, at
 *     least one hardware ID, every service named;
 *   - no file of a choice leaves the package or the system root: no ".."
 *     component, no absolute path, a destination name that is a name, a
 *     service name that is one registry key;
 *   - a refusal sets ENOENT or another errno with a message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "drivers/inf.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MAX_IDS 4

static const struct ow_inf_image images[] = {
  { "amd64", 10, 0, 22631, 1 },
  { "amd64", 6, 1, 7601, 3 },
  { "x86", 10, 0, 19045, 1 },
  { "arm64", 10, 0, 26100, 1 },
};

static bool
every_file (void *opaque, const char *package, const char *path)
{
  (void) opaque; (void) package;
  return path[0] != '/';
}

/* NULL, absolute, or with a ".." component ("10.0...16299" is a name). */
static bool
bad_path (const char *p)
{
  if (p == NULL || p[0] == '/' || p[0] == '\\')
    return true;
  for (const char *c = p; *c; ) {
    size_t n = strcspn (c, "/\\");

    if (n == 2 && c[0] == '.' && c[1] == '.')
      return true;
    c += n;
    if (*c)
      c++;
  }
  return false;
}

/* A file or key name: no separator, not "." or "..". */
static bool
bad_name (const char *n)
{
  return n == NULL || n[0] == '\0' || strpbrk (n, "/\\") != NULL || strcmp (n, ".") == 0
         || strcmp (n, "..") == 0;
}

static void
check_choice (const struct ow_drv_choice *c)
{
  if (c->inf_path == NULL || c->model_section == NULL || c->install_section == NULL
      || c->nhwids == 0 || c->why == NULL || c->store_name == NULL)
    abort ();
  for (size_t i = 0; i < c->nfiles; i++)
    if (bad_path (c->files[i].src) || bad_path (c->files[i].dest)
        || bad_name (c->files[i].name))
      abort ();
  for (size_t i = 0; i < c->nservices; i++) {
    if (bad_name (c->services[i].name))
      abort ();
    if (c->services[i].image_path && bad_path (c->services[i].image_path))
      abort ();
    for (size_t k = 0; k < c->services[i].nreg; k++)
      if (c->services[i].reg[k].subkey == NULL || c->services[i].reg[k].value == NULL)
        abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ow_inf *inf = ow_inf_parse ("fuzz.inf", data, size);
  char *ids[MAX_IDS + 1] = { NULL };
  size_t nids = 0;
  struct ow_inf_set *set;

  if (inf == NULL) {
    if (ow_error_message ()[0] == '\0')
      abort ();
    ow_error_clear ();
    return 0;
  }
  /* Walk everything; collect the IDs of model lines ("%d% = inst, id"). */
  for (size_t s = 0; s < ow_inf_nsections (inf); s++) {
    size_t n;
    const struct ow_inf_line *l = ow_inf_section (inf, ow_inf_section_name (inf, s), &n);

    if (l == NULL)
      abort ();
    for (size_t i = 0; i < n; i++)
      for (size_t f = 0; f < l[i].nfields; f++) {
        if (l[i].fields[f] == NULL)
          abort ();
        if (f >= 1 && l[i].key && nids < MAX_IDS && strchr (l[i].fields[f], '\\'))
          ids[nids++] = strdup (l[i].fields[f]);
      }
  }
  (void) ow_inf_get (inf, "Version", "Class");
  ow_inf_free (inf);
  ids[nids++] = strdup ("PCI\\VEN_1AF4&DEV_1001");

  set = ow_inf_set_new (every_file, NULL);
  if (set && ow_inf_set_add (set, "pkg", "d/fuzz.inf", data, size) == 0)
    for (size_t i = 0; i < nids; i++)
      for (size_t m = 0; ids[i] && m < sizeof images / sizeof *images; m++) {
        char **rej = NULL;
        struct ow_drv_choice *c = ow_inf_choose (set, &images[m], ids[i], &rej);

        if (c) {
          check_choice (c);
          ow_drv_choice_free (c);
        }
        else if (ow_error_message ()[0] == '\0')
          abort ();
        ow_strv_free (rej);
        ow_error_clear ();
      }
  ow_inf_set_free (set);
  for (size_t i = 0; i < nids; i++)
    free (ids[i]);
  ow_error_clear ();
  return 0;
}
