/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the job-document parser. */
#ifndef OW_JOB_H
#define OW_JOB_H

#include <jansson.h>

#include "internal.h"

struct ow_job {
  json_t *doc;            /* validated document */
};

/* The validated document (borrowed reference). */
json_t *ow_job_json (const struct ow_job *job);

/* job/xd.c: $.xdReconfigure entries and the value checks they need. */
int ow_job_check_xd (const json_t *v);
bool ow_job_hostname_ok (const char *s);
bool ow_job_netbios_name_ok (const char *s);
bool ow_job_artifact_name_ok (const char *s);
bool ow_job_guid_ok (const char *s);
/* Split a controllers list ("a.example b.example", commas allowed) into
 * a NULL-terminated vector. */
char **ow_job_split_hosts (const char *s);

#endif
