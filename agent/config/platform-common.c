/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared pieces of the platform boot-config readers: user-data decoding, a
 * short-timeout HTTP exchange over libcurl, platform detection and the
 * dispatcher bootconfig.c calls after its own sources. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agent.h"
#include "config/platform.h"

#define MAX_DMI_FIELD 256
#define AZURE_ASSET_TAG "7783-7084-3265-9085-8269-3286-77"
#define DEFAULT_DMI_ROOT "/sys"
#define DEFAULT_METADATA_URL "http://169.254.169.254"
#define DEFAULT_GCP_METADATA_URL "http://metadata.google.internal"
#define DEFAULT_AZURE_MEDIA_DIR "/run/ce/media"
#define DEFAULT_CONFIG_DRIVE_DIR "/run/ce/config-2"
#define DEFAULT_XENBUS_PATH "/dev/xen/xenbus"

int
ce_platform_fail (char **errmsg, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (errmsg, fmt, ap) == -1)
    *errmsg = NULL;
  va_end (ap);
  return -1;
}

int
ce_platform_decode_userdata (const char *data, size_t len, char **text,
                             size_t *textlen, char **errmsg)
{
  size_t i = 0, n;
  uint8_t *d;
  char *t;

  while (i < len && strchr (" \t\r\n", data[i]))
    i++;
  if (i < len && data[i] == '{') {
    t = malloc (len - i + 1);
    if (!t)
      return ce_platform_fail (errmsg, "boot config: out of memory");
    memcpy (t, data + i, len - i);
    t[len - i] = '\0';
    *text = t;
    *textlen = len - i;
    return 0;
  }
  d = ce_base64_decode (data + i, len - i, &n);
  if (!d)
    return ce_platform_fail (errmsg, "boot config: user data is neither a "
                             "JSON object nor base64");
  t = realloc (d, n + 1);
  if (!t) {
    free (d);
    return ce_platform_fail (errmsg, "boot config: out of memory");
  }
  t[n] = '\0';
  *text = t;
  *textlen = n;
  return 0;
}

struct buf {
  char *data;
  size_t len;
  bool too_big;
};

static size_t
on_data (char *ptr, size_t size, size_t nmemb, void *user)
{
  struct buf *b = user;
  size_t n = size * nmemb;          /* curl guarantees size == 1 */
  if (n > CE_PLATFORM_MAX_RESPONSE - b->len) {
    b->too_big = true;
    return 0;
  }
  char *p = realloc (b->data, b->len + n + 1);
  if (!p)
    return 0;
  memcpy (p + b->len, ptr, n);
  b->data = p;
  b->len += n;
  b->data[b->len] = '\0';
  return n;
}

int
ce_platform_http (const char *method, const char *url,
                  const char *const *headers, const char *body,
                  long *status, char **out, size_t *outlen, char **errmsg)
{
  CURL *c = curl_easy_init ();
  struct curl_slist *hl = NULL, *t;
  struct buf b = { NULL, 0, false };
  CURLcode rc;
  int r = -1;

  *out = NULL;
  if (!c)
    return ce_platform_fail (errmsg, "%s: cannot initialise libcurl", url);
  for (; headers && *headers; headers++) {
    if (!(t = curl_slist_append (hl, *headers))) {
      ce_platform_fail (errmsg, "%s: out of memory", url);
      goto out;
    }
    hl = t;
  }
  curl_easy_setopt (c, CURLOPT_URL, url);
  /* Metadata endpoints are link-local plain HTTP: never via a proxy,
   * never redirected elsewhere. */
  curl_easy_setopt (c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt (c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, CE_PLATFORM_HTTP_TIMEOUT_MS);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT_MS, CE_PLATFORM_HTTP_TIMEOUT_MS);
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, &b);
  if (body) {
    curl_easy_setopt (c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE, (long) strlen (body));
  }
  curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, method);
  rc = curl_easy_perform (c);
  if (rc != CURLE_OK) {
    if (b.too_big)
      ce_platform_fail (errmsg, "%s %s: response larger than %d bytes",
                        method, url, CE_PLATFORM_MAX_RESPONSE);
    else
      ce_platform_fail (errmsg, "%s %s unreachable: %s", method, url,
                        curl_easy_strerror (rc));
    goto out;
  }
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, status);
  if (!b.data && !(b.data = strdup (""))) {
    ce_platform_fail (errmsg, "%s: out of memory", url);
    goto out;
  }
  *out = b.data, b.data = NULL;
  *outlen = b.len;
  r = 0;
 out:
  if (b.data) {
    explicit_bzero (b.data, b.len);
    free (b.data);
  }
  curl_slist_free_all (hl);
  curl_easy_cleanup (c);
  return r;
}

static char *
read_dmi (const char *root, const char *name)
{
  char *path = NULL, *s = NULL;
  if (asprintf (&path, "%s/class/dmi/id/%s", root, name) == -1)
    return NULL;
  s = ce_read_file (path, MAX_DMI_FIELD, NULL);
  free (path);
  if (s) {
    size_t n = strlen (s);
    while (n > 0 && strchr ("\n \t", s[n - 1]))
      s[--n] = '\0';
  }
  return s;
}

const char *
ce_platform_detect (const char *root)
{
  static const char *const known[] = { "azure", "aws", "gcp", "nutanix",
                                       "xenserver", "vsphere", "qemu", "none",
                                       NULL };
  const char *env = getenv ("CE_PLATFORM");
  if (env && *env) {
    for (size_t i = 0; known[i]; i++)
      if (!strcmp (env, known[i]))
        return known[i];
    return "unknown";
  }
  char *vendor = read_dmi (root, "sys_vendor");
  char *product = read_dmi (root, "product_name");
  char *tag = read_dmi (root, "chassis_asset_tag");
  char *bios = read_dmi (root, "bios_version");
  const char *v = vendor ? vendor : "", *pr = product ? product : "";
  const char *p = "unknown";

  /* Older EC2 instance types are Xen HVM: the BIOS version says Amazon. */
  if (strstr (v, "Amazon") || strstr (pr, "EC2") || (bios && strstr (bios, "amazon")))
    p = "aws";
  else if (strstr (v, "Google"))
    p = "gcp";
  else if (strstr (v, "Microsoft") && tag && !strcmp (tag, AZURE_ASSET_TAG))
    p = "azure";
  else if (strstr (v, "Nutanix"))
    p = "nutanix";
  else if (strstr (v, "Xen") || strstr (v, "Citrix"))
    p = "xenserver";
  else if (strstr (v, "VMware"))
    p = "vsphere";
  else if (strstr (v, "QEMU") || strstr (pr, "KVM"))
    p = "qemu";
  free (vendor);
  free (product);
  free (tag);
  free (bios);
  return p;
}

bool
ce_azure_detected (const char *root)
{
  return !strcmp (ce_platform_detect (root), "azure");
}

static const char *
env_or (const char *name, const char *dflt)
{
  const char *v = getenv (name);
  return v && *v ? v : dflt;
}

/* A network or medium that is not there is "absent", but worth a line in
 * the log: it explains a later "none found". */
static int
absent_if_unreachable (int r, char **errmsg, const char *what)
{
  if (r == -1 && errmsg && *errmsg && strstr (*errmsg, "unreachable:")) {
    ce_log (CE_LOG_WARN, "config.platform", "%s: %s", what, *errmsg);
    free (*errmsg);
    *errmsg = NULL;
    return 0;
  }
  return r;
}

int
ce_platform_config (char **text, size_t *len, char **where, char **errmsg)
{
  const char *root = env_or ("CE_DMI_ROOT", DEFAULT_DMI_ROOT);
  const char *platform = ce_platform_detect (root);
  char *smbios_dir = NULL;
  const char *w = NULL;
  int r;

  *text = NULL;
  *where = NULL;
  if (!strcmp (platform, "none"))
    return 0;
  if (asprintf (&smbios_dir, "%s/firmware/dmi/entries", root) == -1)
    return ce_platform_fail (errmsg, "boot config: out of memory");
  r = ce_smbios_config (smbios_dir, text, len, errmsg);
  free (smbios_dir);
  if (r != 0) {
    w = "SMBIOS OEM string ce.config=";
    goto out;
  }
  if (!strcmp (platform, "azure")) {
    r = ce_azure_media_config (env_or ("CE_AZURE_MEDIA_DIR", DEFAULT_AZURE_MEDIA_DIR),
                               text, len, errmsg);
    w = "Azure ovf-env.xml CustomData";
    if (r == 0) {
      r = ce_azure_imds_config (env_or ("CE_METADATA_URL", DEFAULT_METADATA_URL),
                                text, len, errmsg);
      r = absent_if_unreachable (r, errmsg, "Azure IMDS");
      w = "Azure IMDS userData";
    }
  }
  else if (!strcmp (platform, "aws")) {
    r = ce_aws_config (env_or ("CE_METADATA_URL", DEFAULT_METADATA_URL),
                       text, len, errmsg);
    r = absent_if_unreachable (r, errmsg, "AWS IMDSv2");
    w = "AWS IMDSv2 user-data";
  }
  else if (!strcmp (platform, "gcp")) {
    r = ce_gcp_config (env_or ("CE_GCP_METADATA_URL", DEFAULT_GCP_METADATA_URL),
                       text, len, errmsg);
    r = absent_if_unreachable (r, errmsg, "GCP metadata");
    w = "GCP metadata attribute ce-config";
  }
  else if (!strcmp (platform, "nutanix")) {
    r = ce_config_drive_config (env_or ("CE_CONFIG_DRIVE_DIR", DEFAULT_CONFIG_DRIVE_DIR),
                                text, len, errmsg);
    w = "config-2 drive user_data";
  }
  else if (!strcmp (platform, "xenserver")) {
    r = ce_xenserver_config (env_or ("CE_XENBUS_PATH", DEFAULT_XENBUS_PATH),
                             text, len, errmsg);
    w = "xenstore vm-data/ce-config";
  }
  else if (!strcmp (platform, "vsphere")) {
    r = ce_vmware_config (text, len, errmsg);
    w = "VMware guestinfo.ce.config";
  }
 out:
  if (r == 1 && !(*where = strdup (w))) {
    explicit_bzero (*text, *len);
    free (*text);
    *text = NULL;
    return ce_platform_fail (errmsg, "boot config: out of memory");
  }
  return r;
}
