/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The target platform: given by the caller, else inferred from what the
 * image carries, each clue named as evidence:
 *   aws   EC2Launch v2 / EC2Launch / EC2Config (services and folders)
 *   azure the Azure VM agent (WindowsAzureGuestAgent, RdAgent)
 *   gcp   Google's guest environment (GCEAgent, "Google/Compute Engine")
 * Boot storage drivers per platform: DRIVERS.md section 1.5 and
 * data/platforms.json. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "diag/diag.h"

struct platform {
  const char *name, *title;
  const char *boot[3];          /* boot storage services */
};

static const struct platform platforms[] = {
  { "azure", "Microsoft Azure", { "storvsc" } },
  { "aws", "Amazon EC2 (Nitro)", { "AWSNVMe" } },
  { "gcp", "Google Cloud", { "vioscsi" } },
  { "vsphere", "VMware vSphere", { "pvscsi" } },
  { "nutanix", "Nutanix AHV", { "vioscsi" } },
  { "xenserver", "Citrix Hypervisor / XenServer", { "xenvbd" } },
};
#define NPLATFORMS (sizeof platforms / sizeof platforms[0])

/* What a platform leaves in an image that ran there (or was made for it). */
struct clue {
  const char *platform;
  bool service;                 /* a service name; else a path below the volume root */
  const char *what;
};

static const struct clue clues[] = {
  { "aws", true, "Amazon EC2Launch" },             /* EC2Launch v2 */
  { "aws", true, "EC2Launch" },
  { "aws", true, "Ec2Config" },
  { "aws", false, "ProgramData/Amazon/EC2Launch" },
  { "aws", false, "ProgramData/Amazon/EC2-Windows/Launch" },     /* EC2Launch v1 */
  { "aws", false, "Program Files/Amazon/EC2Launch" },
  { "aws", false, "Program Files/Amazon/Ec2ConfigService" },
  { "azure", true, "WindowsAzureGuestAgent" },
  { "azure", true, "RdAgent" },
  { "azure", false, "WindowsAzure" },
  { "gcp", true, "GCEAgent" },
  { "gcp", true, "google_osconfig_agent" },
  { "gcp", false, "Program Files/Google/Compute Engine" },
};

static const struct platform *
find (const char *name)
{
  for (size_t i = 0; name && i < NPLATFORMS; i++)
    if (strcmp (platforms[i].name, name) == 0)
      return &platforms[i];
  return NULL;
}

const char *const *
diag_platform_boot_drivers (const char *name)
{
  const struct platform *p = find (name);
  return p ? p->boot : NULL;
}

const char *
diag_platform_title (const char *name)
{
  const struct platform *p = find (name);
  return p ? p->title : name ? name : "the target";
}

int
diag_platform (struct diag *d, const char *given)
{
  json_t *sec = json_object (), *ev = json_array ();
  size_t votes[NPLATFORMS] = { 0 }, best = NPLATFORMS;

  json_object_set_new (d->report, "platform", sec);
  for (size_t i = 0; i < sizeof clues / sizeof clues[0]; i++) {
    const struct clue *c = &clues[i];
    json_t *e = NULL;
    if (c->service && d->w.system) {
      char *rest = NULL, *key;
      if (asprintf (&rest, "Services\\%s", c->what) == -1)
        continue;
      key = diag_cs (d, rest);
      free (rest);
      if (key && ow_hive_key_exists (d->w.system, key) == 1) {
        e = diag_ev_registry ("SYSTEM", key, NULL, json_string ("present"));
        diag_key_used (d, "SYSTEM", key);
      }
      free (key);
    }
    else if (!c->service && d->w.vol && ow_path_exists (d->w.vol, c->what) == 1)
      e = diag_ev_file (c->what, "present");
    ow_error_clear ();
    if (e == NULL)
      continue;
    json_object_set_new (e, "platform", json_string (c->platform));
    json_array_append_new (ev, e);
    for (size_t p = 0; p < NPLATFORMS; p++)
      if (strcmp (platforms[p].name, c->platform) == 0)
        votes[p]++;
  }
  for (size_t p = 0; p < NPLATFORMS; p++)
    if (votes[p] > 0 && (best == NPLATFORMS || votes[p] > votes[best]))
      best = p;

  json_object_set_new (sec, "evidence", ev);
  if (given) {
    d->platform = given;
    json_object_set_new (sec, "target", json_string (given));
    json_object_set_new (sec, "from", json_string ("given"));
  }
  else if (best < NPLATFORMS) {
    d->platform = platforms[best].name;
    json_object_set_new (sec, "target", json_string (d->platform));
    json_object_set_new (sec, "from", json_string ("inferred"));
  }
  else {
    json_object_set_new (sec, "target", json_null ());
    json_object_set_new (sec, "from", json_string ("unknown"));
    diag_finding (d, "platform-unknown", "info", NULL,
                  "the image carries no cloud guest agent and no platform was given: the "
                  "platform-specific checks (boot storage driver) were skipped; run diagnose "
                  "with --platform (job field \"platform\")");
  }
  if (best < NPLATFORMS)
    json_object_set_new (sec, "inferred", json_string (platforms[best].name));
  if (d->platform)
    json_object_set_new (sec, "title", json_string (diag_platform_title (d->platform)));
  return 0;
}
