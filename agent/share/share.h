/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SMB destinations of export / publish / prepareAndPublish jobs: the
 * location URL (smb-url.c) and the kernel CIFS mount of the share
 * (mount.c).  Credentials pass through here and go nowhere else: never
 * into logs, messages or job results. */
#ifndef CE_SHARE_H
#define CE_SHARE_H

#include <stdbool.h>

#include "agent.h"

/* Limits of the location and credentials (the kernel's own limits for the
 * credentials: CIFS_MAX_USERNAME_LEN, CIFS_MAX_PASSWORD_LEN,
 * CIFS_MAX_DOMAINNAME_LEN). */
#define CE_SMB_MAX_HOST 253
#define CE_SMB_MAX_SHARE 80
#define CE_SMB_MAX_DIR 1024
#define CE_SMB_MAX_USERNAME 256
#define CE_SMB_MAX_PASSWORD 512
#define CE_SMB_MAX_DOMAIN 256
#define CE_SMB_DEFAULT_PORT 445

/* ---- smb-url.c ----------------------------------------------------------- */

/* smb://HOST[:PORT]/SHARE[/DIR...][/], percent-decoded. */
struct ce_smb_url {
  char *host;          /* name, IPv4, or IPv6 without brackets */
  unsigned port;
  char *share;
  char *dir;           /* "" or "a/b" (no leading or trailing '/') */
};

/* True if LOCATION names an SMB share (starts with smb://, any case). */
bool ce_smb_url_is_smb (const char *location);
/* Parse LOCATION strictly; -1 with a CE_E_INVALID error naming the field
 * ($.outputStorageLocation.location) and what is wrong. */
int ce_smb_url_parse (const char *location, struct ce_smb_url *url,
                      struct ce_error *err);
void ce_smb_url_free (struct ce_smb_url *url);
/* URL back to text, percent-encoded, no trailing '/' (for logs and
 * results: it holds no credentials); NULL if out of memory. */
char *ce_smb_url_format (const struct ce_smb_url *url);
/* The job document's outputStorageLocation as a whole: a local absolute
 * directory (no credentials) or a valid smb:// URL with a username and
 * credentials within the kernel's limits.  LOC may be NULL (absent). */
int ce_share_check_location (const json_t *loc, struct ce_error *err);
/* Wipe and remove the password of an outputStorageLocation (LOC may be
 * NULL): job records outlive their jobs. */
void ce_share_forget_credentials (json_t *loc);

/* ---- mount.c ------------------------------------------------------------- */

/* Where shares are mounted, one private directory per job. */
#define CE_SHARE_ROOT "/run/ce/shares"

/* Addresses of one SMB server tried at most. */
#define CE_SMB_MAX_ADDRS 16

/* Every IPv4/IPv6 address HOST has, in getaddrinfo's order, without
 * duplicates (NULL-terminated, free with ce_share_addrs_free); NULL with a
 * shareUnreachable error. */
char **ce_share_resolve (const char *host, struct ce_error *err);
void ce_share_addrs_free (char **ips);
/* Is errno E (of a mount) one that another address of the server may not
 * have (unreachable, refused, timed out)? */
bool ce_share_errno_next_address (int e);
/* ATTEMPT each of IPS in order until one returns 0 or an errno another
 * address would not change; that result, *USED the address it came from. */
int ce_share_try_addresses (char *const *ips, int (*attempt) (void *opaque, const char *ip),
                            void *opaque, const char **used);

struct ce_share_creds {
  const char *username, *password, *domain;   /* domain may be NULL */
};

struct ce_share;

/* Resolve the host and mount the share (SMB 3, encrypted when the server
 * offers it) on CE_SHARE_ROOT/NAME, nosuid,nodev,noexec.  NAME is the job
 * id.  LOGF (may be NULL) receives one line saying how it was mounted.
 * -1 with a ce_error whose message says what the operator must check
 * (host, port, credentials, share name, kernel). */
struct ce_share *ce_share_mount (const char *name, const struct ce_smb_url *url,
                                 const struct ce_share_creds *creds,
                                 void (*logf) (void *opaque, const char *msg),
                                 void *opaque, struct ce_error *err);
/* The mount point of the share's root. */
const char *ce_share_root (const struct ce_share *share);
/* True when the session is encrypted (SMB 3 "seal"). */
bool ce_share_sealed (const struct ce_share *share);
/* Unmount, remove the mount point and free SHARE (NULL ok).  -1 if the
 * unmount failed (the share is then detached lazily). */
int ce_share_unmount (struct ce_share *share);
/* Unmount every share still mounted (POST /v1/complete): number unmounted. */
int ce_shares_unmount_all (void);

#endif /* CE_SHARE_H */
