/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Platform boot-config readers (SMBIOS OEM strings, Azure, AWS, GCP,
 * Nutanix) and the Azure "Ready" health report.
 *
 * Readers return 1 with *TEXT (malloc'd, NUL-terminated, *LEN bytes) when
 * they found a config, 0 when the source is absent (not this platform,
 * nothing there, endpoint unreachable), -1 with *ERRMSG (malloc'd) when the
 * source is present but unusable.  The caller scrubs and frees *TEXT.
 *
 * Environment overrides (tests point these at loopback servers / temp dirs):
 *   CE_PLATFORM          azure|aws|gcp|nutanix|xenserver|vsphere|qemu|none (else DMI detection)
 *   CE_DMI_ROOT          sysfs root for DMI files (default /sys)
 *   CE_METADATA_URL      base URL of IMDS/metadata (default http://169.254.169.254)
 *   CE_GCP_METADATA_URL  GCP base URL (default http://metadata.google.internal)
 *   CE_WIRESERVER_URL    Azure wire server (default http://168.63.129.16)
 *   CE_AZURE_MEDIA_DIR   mounted Azure provisioning medium (default /run/ce/media)
 *   CE_CONFIG_DRIVE_DIR  mounted config-2 drive (default /run/ce/config-2)
 *   CE_XENBUS_PATH       xenbus device (default /dev/xen/xenbus)
 */
#ifndef CE_PLATFORM_H
#define CE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link-local endpoints answer in milliseconds; off-platform they never do. */
#define CE_PLATFORM_HTTP_TIMEOUT_MS 2000L
#define CE_PLATFORM_MAX_RESPONSE (2 * 256 * 1024)

/* ---- platform-common.c ---- */
int ce_platform_fail (char **errmsg, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* The boot config from user data: a JSON object as is, else base64 of it.
 * -1 if neither. */
int ce_platform_decode_userdata (const char *data, size_t len, char **text,
                                 size_t *textlen, char **errmsg);
/* One HTTP exchange.  HEADERS is NULL-terminated ("Name: value").  BODY NULL
 * = no request body.  Returns 0 with *STATUS and the response (NUL-terminated)
 * or -1 with *ERRMSG on a transport failure. */
int ce_platform_http (const char *method, const char *url,
                      const char *const *headers, const char *body,
                      long *status, char **out, size_t *outlen, char **errmsg);
/* Platform name from CE_PLATFORM or DMI under ROOT ("/sys"): "azure", "aws",
 * "gcp", "nutanix", "xenserver", "vsphere", "qemu" or "unknown". Static string. */
const char *ce_platform_detect (const char *root);
/* Try SMBIOS OEM strings, then the detected platform's sources.  *WHERE
 * (malloc'd) names the source. */
int ce_platform_config (char **text, size_t *len, char **where, char **errmsg);

/* ---- platform-smbios.c ---- */
/* One raw SMBIOS structure (a /sys/firmware/dmi/entries/11-N/raw file). */
int ce_smbios_oem_config (const unsigned char *raw, size_t rawlen,
                          char **text, size_t *len, char **errmsg);
/* Every 11-* entry under DIR (/sys/firmware/dmi/entries). */
int ce_smbios_config (const char *dir, char **text, size_t *len, char **errmsg);

/* ---- platform-azure.c ---- */
int ce_azure_ovf_custom_data (const char *xml, size_t xmllen, char **text,
                              size_t *len, char **errmsg);
int ce_azure_media_config (const char *dir, char **text, size_t *len, char **errmsg);
int ce_azure_imds_config (const char *base_url, char **text, size_t *len,
                          char **errmsg);
struct ce_azure_goal_state {
  char *container_id, *instance_id, *incarnation;
};
int ce_azure_goal_state_parse (const char *xml, size_t len,
                               struct ce_azure_goal_state *gs, char **errmsg);
void ce_azure_goal_state_free (struct ce_azure_goal_state *gs);
/* The health report document with state Ready (malloc'd). */
char *ce_azure_health_xml (const struct ce_azure_goal_state *gs);
/* Goal state then health Ready against WIRE_URL (NULL = env/default). */
int ce_azure_report_ready (const char *wire_url, char **errmsg);
/* True when DMI under ROOT says Azure (or CE_PLATFORM=azure). */
bool ce_azure_detected (const char *root);

/* ---- platform-aws.c / platform-gcp.c / platform-nutanix.c ---- */
int ce_aws_config (const char *base_url, char **text, size_t *len, char **errmsg);
int ce_gcp_config (const char *base_url, char **text, size_t *len, char **errmsg);
int ce_config_drive_config (const char *dir, char **text, size_t *len, char **errmsg);

/* ---- platform-xenserver.c ---- */
/* One XS_READ of PATH over an open xenbus connection: 1 with *VALUE
 * (malloc'd, NUL-terminated), 0 if xenstore says ENOENT. */
int ce_xenstore_read_fd (int fd, const char *path, char **value, size_t *len,
                         char **errmsg);
/* vm-data/ce-config via DEV (/dev/xen/xenbus). */
int ce_xenserver_config (const char *dev, char **text, size_t *len, char **errmsg);

/* ---- platform-vmware.c ---- */
/* One VMware backdoor call: registers in, registers out. */
struct ce_bdoor_regs {
  uint32_t eax, ebx, ecx, edx, esi, edi;
};
typedef void (*ce_bdoor_fn) (struct ce_bdoor_regs *regs, void *ctx);
/* RPCI "info-get KEY" through CALL: 1 with *VALUE (malloc'd,
 * NUL-terminated), 0 if the variable is not set. */
int ce_vmware_guestinfo_read (ce_bdoor_fn call, void *ctx, const char *key,
                              char **value, size_t *len, char **errmsg);
/* guestinfo.ce.config over the real backdoor (x86 only). */
int ce_vmware_config (char **text, size_t *len, char **errmsg);

#endif
