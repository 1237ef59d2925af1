/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vSphere: the boot config in the VM's guestinfo variable ce.config
 * (`guestinfo.ce.config` in the .vmx / extraConfig, e.g. `govc vm.change
 * -e guestinfo.ce.config=<base64>`), read with the RPCI command
 * "info-get guestinfo.ce.config" over the VMware backdoor I/O port, the way
 * open-vm-tools' rpctool does, 4 bytes per backdoor call (the low-bandwidth
 * path: no string I/O, so the whole exchange is plain register traffic and
 * can be replayed against a fake host in tests). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif

#include "agent.h"
#include "config/platform.h"

#define BDOOR_MAGIC 0x564D5868u
#define BDOOR_PORT 0x5658u
#define BDOOR_CMD_GET_VERSION 10u
#define BDOOR_CMD_MESSAGE 30u
#define RPCI_PROTOCOL 0x49435052u        /* "RPCI" */
#define GUESTMSG_FLAG_COOKIE 0x80000000u
enum { MSG_OPEN, MSG_SENDSIZE, MSG_SENDPAYLOAD, MSG_RECVSIZE, MSG_RECVPAYLOAD,
       MSG_RECVSTATUS, MSG_CLOSE };
#define MSG_STATUS_SUCCESS 0x0001u
#define MSG_STATUS_DORECV 0x0002u
/* The reply holds a base64 config; guestinfo values are limited by the
 * .vmx size anyway. */
#define MAX_RPCI_REPLY (2 * CE_MAX_CONFIG_SIZE)
#define GUESTINFO_KEY "guestinfo.ce.config"

struct chan {
  ce_bdoor_fn call;
  void *ctx;
  uint16_t id;
  uint32_t cookie_high, cookie_low;
};

static uint16_t
status_of (const struct ce_bdoor_regs *r)
{
  return (uint16_t) (r->ecx >> 16);
}

static void
msg_call (struct chan *c, unsigned type, uint32_t ebx, struct ce_bdoor_regs *r)
{
  memset (r, 0, sizeof *r);
  r->eax = BDOOR_MAGIC;
  r->ebx = ebx;
  r->ecx = BDOOR_CMD_MESSAGE | ((uint32_t) type << 16);
  r->edx = BDOOR_PORT | ((uint32_t) c->id << 16);
  r->esi = c->cookie_high;
  r->edi = c->cookie_low;
  c->call (r, c->ctx);
}

int
ce_vmware_guestinfo_read (ce_bdoor_fn call, void *ctx, const char *key,
                          char **value, size_t *len, char **errmsg)
{
  struct chan c = { call, ctx, 0, 0, 0 };
  struct ce_bdoor_regs r;
  char *cmd = NULL, *reply = NULL;
  size_t clen, n = 0;
  uint32_t rlen;
  int ret = -1;

  *value = NULL;
  if (asprintf (&cmd, "info-get %s", key) == -1)
    return ce_platform_fail (errmsg, "guestinfo: out of memory");
  clen = strlen (cmd);

  msg_call (&c, MSG_OPEN, RPCI_PROTOCOL | GUESTMSG_FLAG_COOKIE, &r);
  if (!(status_of (&r) & MSG_STATUS_SUCCESS)) {
    ce_platform_fail (errmsg, "guestinfo: cannot open an RPCI channel");
    goto out_free;
  }
  c.id = (uint16_t) (r.edx >> 16);
  c.cookie_high = r.esi;
  c.cookie_low = r.edi;

  msg_call (&c, MSG_SENDSIZE, (uint32_t) clen, &r);
  if (!(status_of (&r) & MSG_STATUS_SUCCESS)) {
    ce_platform_fail (errmsg, "guestinfo: send size refused");
    goto out;
  }
  for (size_t i = 0; i < clen; i += 4) {
    uint32_t w = 0;
    memcpy (&w, cmd + i, clen - i < 4 ? clen - i : 4);   /* little-endian */
    msg_call (&c, MSG_SENDPAYLOAD, w, &r);
    if (!(status_of (&r) & MSG_STATUS_SUCCESS)) {
      ce_platform_fail (errmsg, "guestinfo: send refused");
      goto out;
    }
  }

  msg_call (&c, MSG_RECVSIZE, 0, &r);
  if (!(status_of (&r) & MSG_STATUS_SUCCESS)) {
    ce_platform_fail (errmsg, "guestinfo: receive size refused");
    goto out;
  }
  rlen = (status_of (&r) & MSG_STATUS_DORECV) ? r.ebx : 0;
  if (rlen > MAX_RPCI_REPLY) {
    ce_platform_fail (errmsg, "guestinfo: reply of %u bytes is over the limit", rlen);
    goto out;
  }
  if (!(reply = malloc ((size_t) rlen + 4 + 1))) {
    ce_platform_fail (errmsg, "guestinfo: out of memory");
    goto out;
  }
  for (n = 0; n < rlen; n += 4) {
    msg_call (&c, MSG_RECVPAYLOAD, MSG_STATUS_SUCCESS, &r);
    if (!(status_of (&r) & MSG_STATUS_SUCCESS)) {
      ce_platform_fail (errmsg, "guestinfo: receive refused");
      goto out;
    }
    memcpy (reply + n, &r.ebx, 4);
  }
  if (rlen) {
    msg_call (&c, MSG_RECVSTATUS, MSG_STATUS_SUCCESS, &r);
    if (!(status_of (&r) & MSG_STATUS_SUCCESS)) {
      ce_platform_fail (errmsg, "guestinfo: receive status refused");
      goto out;
    }
  }
  n = rlen;
  reply[n] = '\0';
  /* "1 <value>" when set; "0 No value found" otherwise. */
  if (n >= 2 && reply[0] == '1' && reply[1] == ' ') {
    memmove (reply, reply + 2, n - 2 + 1);
    *value = reply, reply = NULL;
    *len = n - 2;
    ret = 1;
  }
  else
    ret = 0;
 out:
  msg_call (&c, MSG_CLOSE, 0, &r);
 out_free:
  if (reply) {
    explicit_bzero (reply, n);
    free (reply);
  }
  free (cmd);
  return ret;
}

#if defined(__x86_64__) || defined(__i386__)
static void
real_backdoor (struct ce_bdoor_regs *r, void *ctx)
{
  (void) ctx;
  __asm__ volatile ("inl %%dx, %%eax"
                    : "+a" (r->eax), "+b" (r->ebx), "+c" (r->ecx),
                      "+d" (r->edx), "+S" (r->esi), "+D" (r->edi)
                    :
                    : "memory");
}
#endif

int
ce_vmware_config (char **text, size_t *len, char **errmsg)
{
  *text = NULL;
#if defined(__x86_64__) || defined(__i386__)
  struct ce_bdoor_regs r = { BDOOR_MAGIC, ~BDOOR_MAGIC, BDOOR_CMD_GET_VERSION,
                             BDOOR_PORT, 0, 0 };
  char *v = NULL;
  size_t vlen = 0;
  int ret;

  /* Only called when DMI says VMware.  As root, ioperm() makes the probe
   * harmless elsewhere (the port reads as all ones); VMware itself lets
   * unprivileged code reach the backdoor. */
  (void) ioperm (BDOOR_PORT, 1, 1);
  real_backdoor (&r, NULL);
  if (r.ebx != BDOOR_MAGIC || r.eax == 0xffffffffu)
    return 0;
  ret = ce_vmware_guestinfo_read (real_backdoor, NULL, GUESTINFO_KEY, &v, &vlen, errmsg);
  if (ret == 1) {
    if (ce_platform_decode_userdata (v, vlen, text, len, errmsg) == -1)
      ret = -1;
    explicit_bzero (v, vlen);
    free (v);
  }
  return ret;
#else
  (void) len;
  (void) errmsg;
  return 0;
#endif
}
