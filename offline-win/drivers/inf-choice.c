/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The selection's answer (drivers.h): freeing it. */
#include <stdlib.h>
#include <string.h>

#include "drivers.h"

static void
free_strv_n (char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

void
ow_drv_choice_clear (struct ow_drv_choice *c)
{
  free (c->package); free (c->inf_path); free (c->inf_name);
  free (c->class_name); free (c->class_guid); free (c->provider); free (c->driver_ver);
  free (c->catalog); free (c->model_section); free (c->install_section);
  free_strv_n (c->hwids, c->nhwids);
  for (size_t i = 0; i < c->nservices; i++) {
    struct ow_drv_service *s = &c->services[i];

    free (s->name); free (s->group); free (s->image_path);
    for (size_t k = 0; k < s->nreg; k++) {
      free (s->reg[k].subkey); free (s->reg[k].value); free (s->reg[k].data);
    }
    free (s->reg);
  }
  free (c->services);
  for (size_t i = 0; i < c->nfiles; i++) {
    free (c->files[i].src); free (c->files[i].dest); free (c->files[i].name);
  }
  free (c->files);
  free (c->why);
  free_strv_n (c->rejected, c->nrejected);
  free_strv_n (c->unsupported, c->nunsupported);
  free (c->store_name);
  memset (c, 0, sizeof *c);
}

void
ow_drv_choice_free (struct ow_drv_choice *c)
{
  if (c == NULL)
    return;
  ow_drv_choice_clear (c);
  free (c);
}
