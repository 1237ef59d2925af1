/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Kernel CIFS mounts of SMB destinations.  One private mount point per job
 * under CE_SHARE_ROOT; SMB 3 with encryption ("seal") asked for first and
 * dropped only when the server says it does not offer it; the mount
 * errors turned into what the operator has to check.  The password goes
 * into the mount data and nowhere else. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "share/share.h"

/* SMB 3.0 / 3.0.2 / 3.1.1, whichever the server takes best: every dialect
 * that can encrypt. */
#define SMB_VERSIONS "3"
#define MOUNT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

struct ce_share {
  char *mountpoint;
  bool sealed;
  bool mounted;                /* false once unmounted (by complete) */
  struct ce_share *next;
};

/* Every share mounted and not yet unmounted, for POST /v1/complete. */
static pthread_mutex_t shares_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ce_share *shares;

/* Append VALUE at OUT (when not NULL) with every ',' doubled: the kernel's
 * mount data parser reads ",," as a literal comma, so no value can add
 * options of its own.  Returns the length appended. */
static size_t
put_value (char *out, const char *value)
{
  size_t n = 0;
  for (const char *p = value; *p; p++) {
    if (*p == ',') {
      if (out)
        out[n] = ',';
      n++;
    }
    if (out)
      out[n] = *p;
    n++;
  }
  return n;
}

/* Lay out the mount data at OUT (NULL: only measure); returns its length
 * without the NUL. */
static size_t
layout_mount_data (char *out, const char *head, const struct ce_share_creds *c, bool seal)
{
  size_t n = 0;
#define PUT(s) do { size_t l_ = strlen (s); if (out) memcpy (out + n, (s), l_); n += l_; } while (0)
  PUT (head);
  n += put_value (out ? out + n : NULL, c->username);
  PUT (",password=");
  n += put_value (out ? out + n : NULL, c->password ? c->password : "");
  if (c->domain && *c->domain) {
    PUT (",domain=");
    n += put_value (out ? out + n : NULL, c->domain);
  }
  if (seal)
    PUT (",seal");
#undef PUT
  return n;
}

/* The mount data; malloc'd, the caller wipes and frees it.  Measured first
 * and written into one allocation: a growing buffer (open_memstream) would
 * free its earlier copies, password included, without wiping them. */
static char *
mount_data (const char *ip, unsigned port, const struct ce_share_creds *c, bool seal)
{
  char *head = NULL, *buf;
  size_t len;

  if (asprintf (&head, "ip=%s,port=%u,vers=" SMB_VERSIONS ",username=", ip, port) == -1)
    return NULL;
  len = layout_mount_data (NULL, head, c, seal);
  buf = malloc (len + 1);
  if (buf) {
    layout_mount_data (buf, head, c, seal);
    buf[len] = '\0';
  }
  free (head);
  return buf;
}

static void
wipe_free (char *s)
{
  if (s) {
    explicit_bzero (s, strlen (s));
    free (s);
  }
}

/* What a mount errno means for an SMB destination. */
static int
mount_error (int e, const char *unc, unsigned port, struct ce_error *err)
{
  switch (e) {
  case ENODEV:
    return ce_error_set (err, CE_E_INTERNAL, "shareUnavailable",
                         "cannot mount %s: the host kernel has no CIFS client; SMB "
                         "destinations work inside the appliance", unc);
  case EHOSTUNREACH: case ENETUNREACH: case ECONNREFUSED: case ETIMEDOUT:
  case ECONNRESET: case EHOSTDOWN: case ENETDOWN: case ECONNABORTED:
    return ce_error_set (err, CE_E_INTERNAL, "shareUnreachable",
                         "cannot reach the SMB server of %s on port %u (%s): check "
                         "the host, the port and the firewall", unc, port, strerror (e));
  case EACCES: case EPERM: case EKEYREJECTED: case EKEYEXPIRED:
    return ce_error_set (err, CE_E_INTERNAL, "shareAccessDenied",
                         "the SMB server of %s refused the credentials (%s): check "
                         "username, password and domain", unc, strerror (e));
  case ENOENT: case ENXIO: case ENOTDIR: case EREMOTE:
    return ce_error_set (err, CE_E_INTERNAL, "shareNotFound",
                         "the SMB server has no share %s (%s): check the share name",
                         unc, strerror (e));
  case EOPNOTSUPP: case EPROTONOSUPPORT: case EPROTO:
    return ce_error_set (err, CE_E_INTERNAL, "shareUnsupported",
                         "cannot mount %s: the server does not speak SMB 3 (%s)",
                         unc, strerror (e));
  default:
    return ce_error_set (err, CE_E_INTERNAL, "shareMountFailed",
                         "cannot mount %s: %s", unc, strerror (e));
  }
}

void
ce_share_addrs_free (char **ips)
{
  for (size_t i = 0; ips && ips[i]; i++)
    free (ips[i]);
  free (ips);
}

char **
ce_share_resolve (const char *host, struct ce_error *err)
{
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
  int r = getaddrinfo (host, NULL, &hints, &res);
  char **ips = NULL;
  size_t n = 0;

  if (r != 0 || !res) {
    ce_error_set (err, CE_E_INTERNAL, "shareUnreachable",
                  "cannot resolve the SMB server '%s': %s", host,
                  r == EAI_SYSTEM ? strerror (errno) : gai_strerror (r));
    return NULL;
  }
  ips = calloc (CE_SMB_MAX_ADDRS + 1, sizeof *ips);
  for (struct addrinfo *ai = res; ips && ai && n < CE_SMB_MAX_ADDRS; ai = ai->ai_next) {
    char ip[INET6_ADDRSTRLEN];
    const void *a;
    bool dup = false;
    if (ai->ai_family == AF_INET6)
      a = &((struct sockaddr_in6 *) ai->ai_addr)->sin6_addr;
    else if (ai->ai_family == AF_INET)
      a = &((struct sockaddr_in *) ai->ai_addr)->sin_addr;
    else
      continue;
    if (!inet_ntop (ai->ai_family, a, ip, sizeof ip))
      continue;
    for (size_t i = 0; i < n; i++)
      dup |= !strcmp (ips[i], ip);
    if (!dup && !(ips[n++] = strdup (ip))) {
      ce_share_addrs_free (ips);
      ips = NULL;
    }
  }
  freeaddrinfo (res);
  if (!ips)
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
  else if (n == 0) {
    ce_share_addrs_free (ips);
    ips = NULL;
    ce_error_set (err, CE_E_INTERNAL, "shareUnreachable",
                  "the SMB server '%s' has no IPv4 or IPv6 address", host);
  }
  return ips;
}

bool
ce_share_errno_next_address (int e)
{
  switch (e) {
  case EHOSTUNREACH: case ENETUNREACH: case ECONNREFUSED: case ETIMEDOUT:
  case ECONNRESET: case EHOSTDOWN: case ENETDOWN: case ECONNABORTED:
  case EADDRNOTAVAIL:
    return true;
  default:
    return false;
  }
}

static int
make_dir (const char *path, struct ce_error *err)
{
  if (mkdir (path, 0700) == -1 && errno != EEXIST)
    return ce_error_set (err, CE_E_INTERNAL, "shareMountFailed",
                         "cannot create the mount point %s: %s", path, strerror (errno));
  return 0;
}

/* mount(2) once; the errno on failure. */
static int
try_mount (const char *source, const char *target, const char *ip, unsigned port,
           const struct ce_share_creds *creds, bool seal)
{
  char *data = mount_data (ip, port, creds, seal);
  int e = 0;

  if (!data)
    return ENOMEM;
  if (mount (source, target, "cifs", MOUNT_FLAGS, data) == -1)
    e = errno;
  wipe_free (data);
  return e;
}

/* Mount with the IP, asking for encryption first: the errno, 0 if mounted. */
static int
mount_one (struct ce_share *s, const char *source, const char *ip, unsigned port,
           const struct ce_share_creds *creds,
           void (*logf) (void *opaque, const char *msg), void *opaque)
{
  int e = try_mount (source, s->mountpoint, ip, port, creds, true);
  if (e == EOPNOTSUPP) {
    /* The kernel's answer when the server offers no encryption (or no SMB 3,
     * which the second attempt then reports). */
    if (logf)
      logf (opaque, "the SMB server does not offer encryption; mounting without it");
    e = try_mount (source, s->mountpoint, ip, port, creds, false);
    s->sealed = false;
  }
  else if (e == 0)
    s->sealed = true;
  return e;
}

int
ce_share_try_addresses (char *const *ips, int (*attempt) (void *opaque, const char *ip),
                        void *opaque, const char **used)
{
  int e = EHOSTUNREACH;
  *used = NULL;
  for (size_t i = 0; ips[i]; i++) {
    *used = ips[i];
    e = attempt (opaque, ips[i]);
    /* Another address helps only when this one could not be reached. */
    if (e == 0 || !ce_share_errno_next_address (e))
      break;
  }
  return e;
}

struct attempt_args {
  struct ce_share *s;
  const char *source;
  unsigned port;
  const struct ce_share_creds *creds;
  void (*logf) (void *opaque, const char *msg);
  void *opaque;
};

static int
attempt_mount (void *opaque, const char *ip)
{
  struct attempt_args *a = opaque;
  int e = mount_one (a->s, a->source, ip, a->port, a->creds, a->logf, a->opaque);
  if (e && ce_share_errno_next_address (e) && a->logf) {
    char *msg = NULL;
    if (asprintf (&msg, "cannot reach %s port %u (%s)", ip, a->port, strerror (e)) != -1)
      a->logf (a->opaque, msg);
    free (msg);
  }
  return e;
}

struct ce_share *
ce_share_mount (const char *name, const struct ce_smb_url *url,
                const struct ce_share_creds *creds,
                void (*logf) (void *opaque, const char *msg), void *opaque,
                struct ce_error *err)
{
  char **ips = NULL;
  const char *ip = NULL;
  char *source = NULL, *unc = NULL, *msg = NULL;
  struct ce_share *s = NULL;
  bool made = false;
  int e;

  if (!creds->username || !*creds->username) {
    ce_error_set (err, CE_E_INVALID, "invalidJob",
                  "$.outputStorageLocation.username is required for smb:// locations");
    return NULL;
  }
  if (strchr (name, '/') || !strcmp (name, ".") || !strcmp (name, "..") || !*name) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "bad mount point name");
    return NULL;
  }
  /* The kernel reads "//" HOST "/" SHARE; an IPv6 literal has no '/', so
   * it can stand as the host name (ip= says where to connect). */
  if (asprintf (&source, "//%s/%s", url->host, url->share) == -1 ||
      asprintf (&unc, "\\\\%s\\%s", url->host, url->share) == -1) {
    source = unc = NULL;
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    goto fail;
  }
  s = calloc (1, sizeof *s);
  if (!s || asprintf (&s->mountpoint, "%s/%s", CE_SHARE_ROOT, name) == -1) {
    if (s)
      s->mountpoint = NULL;
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    goto fail;
  }
  /* The kernel does no name lookups: every address the name has is tried
   * in getaddrinfo's order until one answers. */
  ips = ce_share_resolve (url->host, err);
  if (!ips)
    goto fail;
  if (make_dir ("/run/ce", err) == -1 || make_dir (CE_SHARE_ROOT, err) == -1 ||
      make_dir (s->mountpoint, err) == -1)
    goto fail;
  made = true;

  struct attempt_args args = { s, source, url->port, creds, logf, opaque };
  e = ce_share_try_addresses (ips, attempt_mount, &args, &ip);
  if (e) {
    mount_error (e, unc, url->port, err);
    goto fail;
  }
  s->mounted = true;
  if (logf && asprintf (&msg, "mounted %s (%s port %u) on %s, SMB 3, %s", unc, ip,
                        url->port, s->mountpoint,
                        s->sealed ? "encrypted (seal)" : "NOT encrypted") != -1)
    logf (opaque, msg);
  pthread_mutex_lock (&shares_lock);
  s->next = shares;
  shares = s;
  pthread_mutex_unlock (&shares_lock);
  free (msg);
  free (source);
  free (unc);
  ce_share_addrs_free (ips);
  return s;

 fail:
  if (made)
    rmdir (s->mountpoint);
  if (s)
    free (s->mountpoint);
  free (s);
  free (source);
  free (unc);
  ce_share_addrs_free (ips);
  return NULL;
}

const char *
ce_share_root (const struct ce_share *share)
{
  return share->mountpoint;
}

bool
ce_share_sealed (const struct ce_share *share)
{
  return share->sealed;
}

/* Unmount S (under shares_lock); -1 if only a lazy detach worked. */
static int
unmount_locked (struct ce_share *s)
{
  int r = 0;

  if (!s->mounted)
    return 0;
  if (umount2 (s->mountpoint, 0) == -1) {
    ce_log (CE_LOG_WARN, "share.umount", "unmounting %s: %s; detaching it",
            s->mountpoint, strerror (errno));
    if (umount2 (s->mountpoint, MNT_DETACH) == -1)
      ce_log (CE_LOG_ERROR, "share.umount", "detaching %s: %s", s->mountpoint,
              strerror (errno));
    r = -1;
  }
  s->mounted = false;
  if (rmdir (s->mountpoint) == -1 && r == 0)
    ce_log (CE_LOG_WARN, "share.umount", "removing %s: %s", s->mountpoint,
            strerror (errno));
  return r;
}

int
ce_share_unmount (struct ce_share *share)
{
  int r;

  if (!share)
    return 0;
  pthread_mutex_lock (&shares_lock);
  r = unmount_locked (share);
  for (struct ce_share **p = &shares; *p; p = &(*p)->next)
    if (*p == share) {
      *p = share->next;
      break;
    }
  pthread_mutex_unlock (&shares_lock);
  free (share->mountpoint);
  free (share);
  return r;
}

int
ce_shares_unmount_all (void)
{
  int n = 0;

  /* The records stay with their jobs (which free them); only the mounts
   * go. */
  pthread_mutex_lock (&shares_lock);
  for (struct ce_share *s = shares; s; s = s->next)
    if (s->mounted) {
      ce_log (CE_LOG_WARN, "share.umount", "complete: unmounting %s, still mounted",
              s->mountpoint);
      unmount_locked (s);
      n++;
    }
  pthread_mutex_unlock (&shares_lock);
  return n;
}
