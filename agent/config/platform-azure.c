/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Azure: the boot config from the provisioning medium's ovf-env.xml
 * CustomData, else IMDS userData; and the "Ready" health report to the wire
 * server, which Azure needs within its provisioning window or it marks the
 * VM failed (there is no Azure agent on the appliance). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "config/platform.h"

#define MAX_OVF_SIZE (4 * CE_MAX_CONFIG_SIZE)
#define MAX_GOAL_STATE_ID_LEN 256
#define DEFAULT_WIRESERVER_URL "http://168.63.129.16"
#define WIRE_PROTOCOL_VERSION "2012-11-30"
#define IMDS_USERDATA_PATH \
  "/metadata/instance/compute/userData?api-version=2021-01-01&format=text"
/* The wire server can lag the VM's boot by a few seconds. */
#define READY_ATTEMPTS 5
#define READY_RETRY_SECONDS 2
#define HTTP_OK 200
#define HTTP_NOT_FOUND 404

/* Text of the first element whose local name is NAME (any namespace
 * prefix): 1 with *START and *N, 0 if there is none.  Enough for the flat,
 * entity-free values read here (base64, GUIDs, integers). */
static int
xml_element_text (const char *xml, size_t len, const char *name,
                  const char **start, size_t *n)
{
  size_t nl = strlen (name);
  const char *end = xml + len;

  for (const char *p = xml; p < end && (p = memchr (p, '<', (size_t) (end - p))); p++) {
    const char *q = p + 1, *local = q;
    while (q < end && *q != '>' && *q != ' ' && *q != '/' && *q != '\t' &&
           *q != '\r' && *q != '\n') {
      if (*q == ':')
        local = q + 1;
      q++;
    }
    if ((size_t) (q - local) != nl || memcmp (local, name, nl))
      continue;
    const char *gt = memchr (q, '>', (size_t) (end - q));
    if (!gt)
      return 0;
    if (gt[-1] == '/') {          /* <CustomData/> */
      *start = gt;
      *n = 0;
      return 1;
    }
    const char *lt = memchr (gt + 1, '<', (size_t) (end - gt - 1));
    if (!lt)
      return 0;
    *start = gt + 1;
    *n = (size_t) (lt - gt - 1);
    return 1;
  }
  return 0;
}

int
ce_azure_ovf_custom_data (const char *xml, size_t xmllen, char **text,
                          size_t *len, char **errmsg)
{
  const char *s;
  size_t n, i;

  *text = NULL;
  if (!xml_element_text (xml, xmllen, "CustomData", &s, &n))
    return 0;
  for (i = 0; i < n && strchr (" \t\r\n", s[i]); i++)
    ;
  if (i == n)
    return 0;
  if (ce_platform_decode_userdata (s, n, text, len, errmsg) == -1) {
    free (*errmsg);
    return ce_platform_fail (errmsg, "boot config: ovf-env.xml CustomData is "
                             "not base64 of a JSON document");
  }
  return 1;
}

int
ce_azure_media_config (const char *dir, char **text, size_t *len, char **errmsg)
{
  char *path = NULL, *xml;
  size_t n;
  int r;

  *text = NULL;
  if (asprintf (&path, "%s/ovf-env.xml", dir) == -1)
    return ce_platform_fail (errmsg, "boot config: out of memory");
  xml = ce_read_file (path, MAX_OVF_SIZE, &n);
  if (!xml) {
    r = errno == ENOENT || errno == ENOTDIR ? 0
      : ce_platform_fail (errmsg, "boot config: cannot read %s: %s", path,
                          errno == EFBIG ? "larger than the limit" : strerror (errno));
    free (path);
    return r;
  }
  r = ce_azure_ovf_custom_data (xml, n, text, len, errmsg);
  /* ovf-env.xml may hold a password too. */
  explicit_bzero (xml, n);
  free (xml);
  free (path);
  return r;
}

int
ce_azure_imds_config (const char *base_url, char **text, size_t *len,
                      char **errmsg)
{
  const char *headers[] = { "Metadata: true", NULL };
  char *url = NULL, *data = NULL;
  size_t dlen = 0, i;
  long status = 0;
  int r = -1;

  *text = NULL;
  if (asprintf (&url, "%s%s", base_url, IMDS_USERDATA_PATH) == -1)
    return ce_platform_fail (errmsg, "boot config: out of memory");
  if (ce_platform_http ("GET", url, headers, NULL, &status, &data, &dlen,
                        errmsg) == -1)
    goto out;
  for (i = 0; i < dlen && strchr (" \t\r\n", data[i]); i++)
    ;
  if (status == HTTP_NOT_FOUND || (status == HTTP_OK && i == dlen))
    r = 0;
  else if (status != HTTP_OK)
    ce_platform_fail (errmsg, "boot config: Azure IMDS userData: HTTP %ld", status);
  else if (ce_platform_decode_userdata (data, dlen, text, len, errmsg) == 0)
    r = 1;
 out:
  if (data) {
    explicit_bzero (data, dlen);
    free (data);
  }
  free (url);
  return r;
}

/* Goal state values go back into the health XML: accept only what Azure
 * uses (GUIDs, role instance names, integers), nothing XML-special. */
static int
get_id (const char *xml, size_t len, const char *name, char **out, char **errmsg)
{
  const char *s;
  size_t n;

  if (!xml_element_text (xml, len, name, &s, &n) || n == 0)
    return ce_platform_fail (errmsg, "Azure goal state: no %s", name);
  if (n > MAX_GOAL_STATE_ID_LEN)
    return ce_platform_fail (errmsg, "Azure goal state: %s longer than %d bytes",
                             name, MAX_GOAL_STATE_ID_LEN);
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
          (s[i] >= '0' && s[i] <= '9') || strchr ("-_.", s[i])))
      return ce_platform_fail (errmsg, "Azure goal state: %s has an "
                               "unexpected character", name);
  if (!(*out = strndup (s, n)))
    return ce_platform_fail (errmsg, "Azure goal state: out of memory");
  return 0;
}

int
ce_azure_goal_state_parse (const char *xml, size_t len,
                           struct ce_azure_goal_state *gs, char **errmsg)
{
  memset (gs, 0, sizeof *gs);
  if (get_id (xml, len, "Incarnation", &gs->incarnation, errmsg) == -1 ||
      get_id (xml, len, "ContainerId", &gs->container_id, errmsg) == -1 ||
      get_id (xml, len, "InstanceId", &gs->instance_id, errmsg) == -1) {
    ce_azure_goal_state_free (gs);
    return -1;
  }
  return 0;
}

void
ce_azure_goal_state_free (struct ce_azure_goal_state *gs)
{
  free (gs->container_id);
  free (gs->instance_id);
  free (gs->incarnation);
  memset (gs, 0, sizeof *gs);
}

char *
ce_azure_health_xml (const struct ce_azure_goal_state *gs)
{
  char *s = NULL;
  if (asprintf (&s,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                "<Health xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n"
                "  <GoalStateIncarnation>%s</GoalStateIncarnation>\n"
                "  <Container>\n"
                "    <ContainerId>%s</ContainerId>\n"
                "    <RoleInstanceList>\n"
                "      <Role>\n"
                "        <InstanceId>%s</InstanceId>\n"
                "        <Health>\n"
                "          <State>Ready</State>\n"
                "        </Health>\n"
                "      </Role>\n"
                "    </RoleInstanceList>\n"
                "  </Container>\n"
                "</Health>\n",
                gs->incarnation, gs->container_id, gs->instance_id) == -1)
    return NULL;
  return s;
}

/* 0 done, -1 worth retrying, -2 not. */
static int
report_once (const char *base, char **errmsg)
{
  const char *gs_headers[] = { "x-ms-version: " WIRE_PROTOCOL_VERSION, NULL };
  const char *h_headers[] = { "x-ms-version: " WIRE_PROTOCOL_VERSION,
                              "x-ms-agent-name: ce-agent",
                              "Content-Type: text/xml;charset=utf-8", NULL };
  struct ce_azure_goal_state gs = { NULL, NULL, NULL };
  char *url = NULL, *resp = NULL, *body = NULL;
  size_t rlen = 0;
  long status = 0;
  int r = -1;

  if (asprintf (&url, "%s/machine/?comp=goalstate", base) == -1) {
    url = NULL;
    ce_platform_fail (errmsg, "Azure Ready: out of memory");
    goto out;
  }
  if (ce_platform_http ("GET", url, gs_headers, NULL, &status, &resp, &rlen,
                        errmsg) == -1)
    goto out;
  if (status != HTTP_OK) {
    ce_platform_fail (errmsg, "Azure Ready: goal state: HTTP %ld", status);
    goto out;
  }
  if (ce_azure_goal_state_parse (resp, rlen, &gs, errmsg) == -1) {
    r = -2;                     /* a malformed goal state stays malformed */
    goto out;
  }
  free (url);
  free (resp);
  resp = NULL;
  if (asprintf (&url, "%s/machine/?comp=health", base) == -1 ||
      !(body = ce_azure_health_xml (&gs))) {
    url = NULL;
    ce_platform_fail (errmsg, "Azure Ready: out of memory");
    goto out;
  }
  if (ce_platform_http ("POST", url, h_headers, body, &status, &resp, &rlen,
                        errmsg) == -1)
    goto out;
  if (status != HTTP_OK) {
    ce_platform_fail (errmsg, "Azure Ready: health report: HTTP %ld", status);
    goto out;
  }
  ce_log (CE_LOG_INFO, "azure.ready", "reported Ready (incarnation %s, "
          "container %s, instance %s)", gs.incarnation, gs.container_id,
          gs.instance_id);
  r = 0;
 out:
  ce_azure_goal_state_free (&gs);
  free (url);
  free (resp);
  free (body);
  return r;
}

int
ce_azure_report_ready (const char *wire_url, char **errmsg)
{
  const char *base = wire_url ? wire_url : getenv ("CE_WIRESERVER_URL");
  if (!base || !*base)
    base = DEFAULT_WIRESERVER_URL;
  for (int i = 1; ; i++) {
    *errmsg = NULL;
    int r = report_once (base, errmsg);
    if (r == 0)
      return 0;
    if (r == -2 || i == READY_ATTEMPTS)
      return -1;
    ce_log (CE_LOG_WARN, "azure.ready", "attempt %d of %d: %s", i,
            READY_ATTEMPTS, *errmsg ? *errmsg : "failed");
    free (*errmsg);
    sleep (READY_RETRY_SECONDS);
  }
}
