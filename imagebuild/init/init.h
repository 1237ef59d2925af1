/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-init: PID 1 of the Compositing Engine appliance.  One concern per file:
 *   main.c     the PID 1 flow, supervision, power-off; multi-call dispatch
 *   setup.c    mounts, console, entropy, clock
 *   net.c      loopback, one udhcpc per interface, the udhcpc event hook
 *   bootdisk.c find and mount (read-only) our own boot partition
 *   media.c    mount (read-only) the platform's configuration medium
 *   cmdline.c  the kernel command line
 *   resolv.c   resolv.conf from a DHCP lease, validated
 * Everything logs to the serial console (stderr) as "ce-init: ...". */
#ifndef CE_INIT_H
#define CE_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Paths inside the initramfs (imagebuild/mkinitramfs puts them there). */
#define INIT_AGENT_PATH    "/usr/bin/ce-agent"
#define INIT_UDHCPC_PATH   "/sbin/udhcpc"
#define INIT_HOOK_PATH     "/sbin/dhcp-hook"     /* link to init: udhcpc events */
#define INIT_SHELL_PATH    "/bin/sh"             /* only in DEBUG=1 images */
#define INIT_RUN_DIR       "/run/ce"
#define INIT_NET_DIR       "/run/ce/net"
#define INIT_BOOT_MOUNT    "/run/ce/boot"
/* Where ce-agent's Azure and config-drive readers look. */
#define INIT_AZURE_MEDIA   "/run/ce/media"
#define INIT_CONFIG_DRIVE  "/run/ce/config-2"
#define INIT_MEDIA_PROBE   "/run/ce/media-probe"
#define INIT_RESOLV_CONF   "/etc/resolv.conf"
#define INIT_CA_BUNDLE     "/etc/ssl/certs/ca-certificates.crt"
/* The GPT name imagebuild/mkdisk gives the EFI system partition. */
#define INIT_BOOT_PARTNAME "ce-appliance-esp"

/* Limits. */
#define MAX_CMDLINE        4096     /* bytes of /proc/cmdline we read */
#define MAX_NET_IFACES     16       /* interfaces we run DHCP on */
#define NET_APPEAR_SECONDS 5        /* wait for a NIC driver to register */
#define DHCP_WAIT_SECONDS  10       /* wait for a first lease before the agent */
#define STOP_GRACE_SECONDS 30       /* SIGTERM to SIGKILL on shutdown */
#define ENTROPY_SEED_BYTES 64

void init_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
double init_mono (void);

/* setup.c */
int init_mounts (void);
void init_console (void);
void init_entropy (void);
void init_clock (void);

/* cmdline.c: the value of KEY=VALUE on the kernel command line (malloc'd;
 * "" for a bare KEY), or NULL. */
char *init_cmdline_get (const char *key);

/* resolv.c.  NAME is a DNS name (letters, digits, '-', labels of 1-63,
 * at most 253 in all). */
#define INIT_MAX_DNS_SERVERS 3       /* what the resolver reads */
bool init_dns_name_valid (const char *name);
/* The N bytes at S are an IPv4 or IPv6 address literal. */
bool init_ip_literal_valid (const char *s, size_t n);
/* resolv.conf text (malloc'd) from udhcpc's space-separated DNS and its
 * DOMAIN (may be NULL); what fails the checks is left out and counted in
 * *DROPPED.  NULL when no name server is usable. */
char *init_resolv_conf_text (const char *dns, const char *domain, unsigned *dropped);

/* net.c */
int init_loopback (void);
void init_net_down (void);
/* Start one udhcpc per interface; returns how many were started. */
size_t init_dhcp_start (pid_t *pids, char (*names)[32], size_t max);
pid_t init_dhcp_spawn (const char *ifname);
bool init_dhcp_wait (double seconds);
int init_dhcp_hook (int argc, char **argv);

/* bootdisk.c */
void init_mount_boot (void);

/* media.c */
void init_mount_media (void);

#endif
