/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Platform boot-config readers against recorded responses and media in
 * tests/data/platform/ (SMBIOS type 11, Azure ovf-env.xml and goal state,
 * config-2 drive, xenstore replies, user-data decoding, DMI platform
 * detection), and the
 * Azure health report document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "config/platform.h"

struct ce_agent ce_agent;
void ce_agent_request_exit (const char *reason) { (void) reason; }

static char *
data_path (const char *name)
{
  const char *top = getenv ("CE_TOP");
  char *p = NULL;
  assert_int_not_equal (asprintf (&p, "%s/tests/data/platform/%s", top ? top : ".", name), -1);
  return p;
}

static char *
load (const char *name, size_t *len)
{
  char *p = data_path (name);
  char *s = ce_read_file (p, 1 << 20, len);
  assert_non_null (s);
  free (p);
  return s;
}

/* The decoded config must be exactly the recorded config.json. */
static void
assert_is_recorded_config (char *text, size_t len)
{
  size_t elen;
  char *expect = load ("config.json", &elen);
  assert_int_equal (len, elen);
  assert_memory_equal (text, expect, elen);
  free (expect);
  free (text);
}

static void
test_smbios_oem_string (void **state)
{
  (void) state;
  size_t rlen, len;
  char *raw = load ("smbios-11-0.raw", &rlen), *text = NULL, *err = NULL;
  assert_int_equal (ce_smbios_oem_config ((unsigned char *) raw, rlen, &text, &len, &err), 1);
  assert_is_recorded_config (text, len);
  free (raw);

  raw = load ("smbios-11-other.raw", &rlen);
  assert_int_equal (ce_smbios_oem_config ((unsigned char *) raw, rlen, &text, &len, &err), 0);
  assert_null (text);

  /* Truncated inside the string set: refused, no read past the end. */
  size_t full;
  char *good = load ("smbios-11-0.raw", &full);
  char *cut = malloc (full - 3);
  memcpy (cut, good, full - 3);
  int r = ce_smbios_oem_config ((unsigned char *) cut, full - 3, &text, &len, &err);
  assert_int_equal (r, -1);
  assert_non_null (strstr (err, "past the end"));
  free (err);
  /* A formatted length beyond the entry. */
  good[1] = (char) 200;
  assert_int_equal (ce_smbios_oem_config ((unsigned char *) good, full, &text, &len, &err), -1);
  free (err);
  /* Not type 11. */
  good[0] = 1;
  assert_int_equal (ce_smbios_oem_config ((unsigned char *) good, full, &text, &len, &err), 0);
  free (cut);
  free (good);
  free (raw);
}

static void
test_smbios_dir (void **state)
{
  (void) state;
  char tmpl[] = "/tmp/ce-smbios.XXXXXX";
  char *e = NULL, *dst = NULL, *src = data_path ("smbios-11-0.raw"), *cmd = NULL;
  char *text = NULL, *err = NULL;
  size_t len;
  assert_non_null (mkdtemp (tmpl));
  assert_int_not_equal (asprintf (&e, "%s/11-0", tmpl), -1);
  assert_int_equal (mkdir (e, 0755), 0);
  assert_int_not_equal (asprintf (&cmd, "cp %s %s/raw", src, e), -1);
  assert_int_equal (system (cmd), 0);
  assert_int_equal (ce_smbios_config (tmpl, &text, &len, &err), 1);
  assert_is_recorded_config (text, len);
  assert_int_equal (ce_smbios_config ("/nonexistent-dir", &text, &len, &err), 0);
  free (cmd);
  assert_int_not_equal (asprintf (&cmd, "rm -rf %s", tmpl), -1);
  assert_int_equal (system (cmd), 0);
  free (cmd);
  free (dst);
  free (src);
  free (e);
}

static void
test_azure_ovf (void **state)
{
  (void) state;
  size_t xlen, len;
  char *xml = load ("azure-ovf-env.xml", &xlen), *text = NULL, *err = NULL;
  assert_int_equal (ce_azure_ovf_custom_data (xml, xlen, &text, &len, &err), 1);
  assert_is_recorded_config (text, len);
  free (xml);

  xml = load ("azure-ovf-env-no-customdata.xml", &xlen);
  assert_int_equal (ce_azure_ovf_custom_data (xml, xlen, &text, &len, &err), 0);
  free (xml);

  const char *bad = "<Environment><wa:CustomData>%%%</wa:CustomData></Environment>";
  assert_int_equal (ce_azure_ovf_custom_data (bad, strlen (bad), &text, &len, &err), -1);
  assert_non_null (strstr (err, "CustomData"));
  free (err);
  const char *empty = "<Environment><CustomData/></Environment>";
  assert_int_equal (ce_azure_ovf_custom_data (empty, strlen (empty), &text, &len, &err), 0);
  const char *open = "<Environment><CustomData>abcd";
  assert_int_equal (ce_azure_ovf_custom_data (open, strlen (open), &text, &len, &err), 0);

  char *dir = data_path ("azure-media");
  assert_int_equal (ce_azure_media_config (dir, &text, &len, &err), 1);
  assert_is_recorded_config (text, len);
  assert_int_equal (ce_azure_media_config ("/nonexistent-dir", &text, &len, &err), 0);
  free (dir);
}

static void
test_azure_goal_state (void **state)
{
  (void) state;
  size_t xlen;
  char *xml = load ("azure-goalstate.xml", &xlen), *err = NULL;
  struct ce_azure_goal_state gs;
  assert_int_equal (ce_azure_goal_state_parse (xml, xlen, &gs, &err), 0);
  assert_string_equal (gs.incarnation, "1");
  assert_string_equal (gs.container_id, "2b5a2c3e-1f7d-4b4a-9d47-6f0c1d2e3f40");
  assert_string_equal (gs.instance_id, "896b0c43-7c0e-4f0e-a0b2-3c4d5e6f7a8b.ce-appliance");

  char *h = ce_azure_health_xml (&gs);
  assert_non_null (h);
  assert_non_null (strstr (h, "<GoalStateIncarnation>1</GoalStateIncarnation>"));
  assert_non_null (strstr (h, "<ContainerId>2b5a2c3e-1f7d-4b4a-9d47-6f0c1d2e3f40</ContainerId>"));
  assert_non_null (strstr (h, "<InstanceId>896b0c43-7c0e-4f0e-a0b2-3c4d5e6f7a8b.ce-appliance</InstanceId>"));
  assert_non_null (strstr (h, "<State>Ready</State>"));
  free (h);
  ce_azure_goal_state_free (&gs);
  free (xml);

  const char *inject = "<GoalState><Incarnation>1</Incarnation><Container>"
    "<ContainerId>a&lt;b</ContainerId><InstanceId>x</InstanceId></Container></GoalState>";
  assert_int_equal (ce_azure_goal_state_parse (inject, strlen (inject), &gs, &err), -1);
  assert_non_null (strstr (err, "ContainerId"));
  free (err);
  const char *missing = "<GoalState><Incarnation>1</Incarnation></GoalState>";
  assert_int_equal (ce_azure_goal_state_parse (missing, strlen (missing), &gs, &err), -1);
  assert_non_null (strstr (err, "no ContainerId"));
  free (err);
}

static void
test_config_drive (void **state)
{
  (void) state;
  char *dir = data_path ("config-2"), *text = NULL, *err = NULL;
  size_t len;
  assert_int_equal (ce_config_drive_config (dir, &text, &len, &err), 1);
  assert_is_recorded_config (text, len);
  assert_int_equal (ce_config_drive_config ("/nonexistent-dir", &text, &len, &err), 0);
  free (dir);
}

/* A fake xenstored on the other end of a socketpair: checks the request is
 * XS_READ of vm-data/ce-config and replays REPLY (a recorded file); exits 0
 * only if the request was right. */
static pid_t
fake_xenstored (int fd, const char *reply)
{
  pid_t pid = fork ();
  assert_int_not_equal (pid, -1);
  if (pid)
    return pid;
  static const char want[] = "vm-data/ce-config";
  unsigned char req[16 + sizeof want];
  size_t got = 0, rlen;
  while (got < sizeof req) {
    ssize_t n = read (fd, req + got, sizeof req - got);
    if (n <= 0)
      _exit (2);
    got += (size_t) n;
  }
  uint32_t h[4];
  memcpy (h, req, 16);
  int ok = h[0] == 2 && h[2] == 0 && h[3] == sizeof want &&
           !memcmp (req + 16, want, sizeof want);
  char *r = load (reply, &rlen);
  if (write (fd, r, rlen) != (ssize_t) rlen)
    _exit (3);
  _exit (ok ? 0 : 1);
}

static void
xenstore_case (const char *reply, int expect, char **value, size_t *len)
{
  int sv[2], st;
  char *err = NULL;
  assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM, 0, sv), 0);
  pid_t pid = fake_xenstored (sv[1], reply);
  close (sv[1]);
  int r = ce_xenstore_read_fd (sv[0], "vm-data/ce-config", value, len, &err);
  if (r == -1)
    fprintf (stderr, "%s\n", err);
  assert_int_equal (r, expect);
  close (sv[0]);
  assert_int_equal (waitpid (pid, &st, 0), pid);
  assert_true (WIFEXITED (st));
  assert_int_equal (WEXITSTATUS (st), 0);
}

static void
test_xenstore (void **state)
{
  (void) state;
  char *v = NULL, *text = NULL, *err = NULL;
  size_t vlen = 0, len;
  xenstore_case ("xenstore-read-reply.bin", 1, &v, &vlen);
  assert_int_equal (ce_platform_decode_userdata (v, vlen, &text, &len, &err), 0);
  assert_is_recorded_config (text, len);
  free (v);
  xenstore_case ("xenstore-enoent-reply.bin", 0, &v, &vlen);
  assert_null (v);

  /* A reply claiming more than the protocol's payload limit is refused
   * before anything is allocated or read. */
  int sv[2];
  unsigned char bogus[16] = { 2, 0, 0, 0, 0x01, 0x00, 0x65, 0x63, 0, 0, 0, 0,
                              0xff, 0xff, 0, 0 };
  assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM, 0, sv), 0);
  assert_int_equal (write (sv[1], bogus, sizeof bogus), (ssize_t) sizeof bogus);
  assert_int_equal (ce_xenstore_read_fd (sv[0], "vm-data/ce-config", &v, &vlen, &err), -1);
  assert_non_null (strstr (err, "malformed reply"));
  free (err);
  close (sv[0]);
  close (sv[1]);
  /* No xenbus device: not on Xen. */
  assert_int_equal (ce_xenserver_config ("/nonexistent/xenbus", &text, &len, &err), 0);
}

/* A fake VMware host for the RPCI message protocol (open, send size,
 * payload 4 bytes at a time, receive size/payload/status, close).  It
 * insists on the magic, port, channel and cookies, and answers
 * "info-get guestinfo.ce.config" with a recorded reply file. */
struct fake_vmx {
  const char *reply_file;   /* NULL: the variable is not set */
  char cmd[256];
  size_t cmd_size, cmd_got;
  char *reply;
  size_t reply_len, reply_off;
  bool open, closed, bad;
};

#define FAKE_CHANNEL 3
#define FAKE_COOKIE_HIGH 0x11223344u
#define FAKE_COOKIE_LOW 0x55667788u

static void
fake_backdoor (struct ce_bdoor_regs *r, void *ctx)
{
  struct fake_vmx *f = ctx;
  unsigned type = r->ecx >> 16;
  uint32_t ok = 0x0001u << 16;

  if (r->eax != 0x564D5868u || (r->edx & 0xffff) != 0x5658 || (r->ecx & 0xffff) != 30) {
    f->bad = true;
    r->ecx = 0;
    return;
  }
  if (type != 0 && ((r->edx >> 16) != FAKE_CHANNEL || r->esi != FAKE_COOKIE_HIGH ||
                    r->edi != FAKE_COOKIE_LOW || !f->open)) {
    f->bad = true;
    r->ecx = 0;
    return;
  }
  switch (type) {
  case 0:                                  /* open */
    if (r->ebx != (0x49435052u | 0x80000000u))
      f->bad = true;
    f->open = true;
    r->ecx = ok;
    r->edx = (uint32_t) FAKE_CHANNEL << 16;
    r->esi = FAKE_COOKIE_HIGH;
    r->edi = FAKE_COOKIE_LOW;
    break;
  case 1:                                  /* send size */
    f->cmd_size = r->ebx;
    if (r->ebx >= sizeof f->cmd) {
      f->bad = true;
      f->cmd_size = 0;
    }
    f->cmd_got = 0;
    r->ecx = ok;
    break;
  case 2:                                  /* send payload */
    if (f->cmd_got >= f->cmd_size) {
      f->bad = true;
      break;
    }
    memcpy (f->cmd + f->cmd_got, &r->ebx,
            f->cmd_size - f->cmd_got < 4 ? f->cmd_size - f->cmd_got : 4);
    f->cmd_got += f->cmd_size - f->cmd_got < 4 ? f->cmd_size - f->cmd_got : 4;
    r->ecx = ok;
    if (f->cmd_got == f->cmd_size) {
      f->cmd[f->cmd_size] = '\0';
      if (strcmp (f->cmd, "info-get guestinfo.ce.config"))
        f->bad = true;
      if (f->reply_file)
        f->reply = load (f->reply_file, &f->reply_len);
      else {
        f->reply = strdup ("0 No value found");
        f->reply_len = strlen (f->reply);
      }
      f->reply_off = 0;
    }
    break;
  case 3:                                  /* receive size */
    r->ecx = ok | (0x0002u << 16);
    r->ebx = (uint32_t) f->reply_len;
    r->edx = (uint32_t) 1 << 16;
    break;
  case 4:                                  /* receive payload */
    r->ebx = 0;
    memcpy (&r->ebx, f->reply + f->reply_off,
            f->reply_len - f->reply_off < 4 ? f->reply_len - f->reply_off : 4);
    f->reply_off += 4;
    r->ecx = ok;
    break;
  case 5:                                  /* receive status */
    if (f->reply_off < f->reply_len)
      f->bad = true;
    r->ecx = ok;
    break;
  case 6:                                  /* close */
    f->closed = true;
    f->open = false;
    r->ecx = ok;
    break;
  default:
    f->bad = true;
  }
}

static void
test_vmware_guestinfo (void **state)
{
  (void) state;
  struct fake_vmx f = { .reply_file = "vmware-rpci-reply" };
  char *v = NULL, *text = NULL, *err = NULL;
  size_t vlen = 0, len;

  assert_int_equal (ce_vmware_guestinfo_read (fake_backdoor, &f, "guestinfo.ce.config",
                                              &v, &vlen, &err), 1);
  assert_false (f.bad);
  assert_true (f.closed);
  assert_int_equal (ce_platform_decode_userdata (v, vlen, &text, &len, &err), 0);
  assert_is_recorded_config (text, len);
  free (v);
  free (f.reply);

  struct fake_vmx g = { .reply_file = NULL };
  assert_int_equal (ce_vmware_guestinfo_read (fake_backdoor, &g, "guestinfo.ce.config",
                                              &v, &vlen, &err), 0);
  assert_null (v);
  assert_false (g.bad);
  assert_true (g.closed);
  free (g.reply);
}

static void
test_userdata_decode (void **state)
{
  (void) state;
  size_t dlen, len;
  char *text = NULL, *err = NULL;
  /* AWS recorded user data: base64 wrapped at 76 columns. */
  char *d = load ("aws-user-data", &dlen);
  assert_int_equal (ce_platform_decode_userdata (d, dlen, &text, &len, &err), 0);
  assert_is_recorded_config (text, len);
  free (d);
  /* GCP recorded attribute: the JSON itself. */
  d = load ("gcp-ce-config", &dlen);
  assert_int_equal (ce_platform_decode_userdata (d, dlen, &text, &len, &err), 0);
  assert_is_recorded_config (text, len);
  free (d);
  d = load ("azure-imds-userdata", &dlen);
  assert_int_equal (ce_platform_decode_userdata (d, dlen, &text, &len, &err), 0);
  assert_is_recorded_config (text, len);
  free (d);
  assert_int_equal (ce_platform_decode_userdata ("#cloud-config\n", 14, &text, &len, &err), -1);
  free (err);
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  char *p = NULL;
  assert_int_not_equal (asprintf (&p, "%s/%s", dir, name), -1);
  FILE *f = fopen (p, "w");
  assert_non_null (f);
  fputs (text, f);
  fclose (f);
  free (p);
}

static void
test_detect (void **state)
{
  (void) state;
  char tmpl[] = "/tmp/ce-dmi.XXXXXX", *id = NULL, *cmd = NULL;
  assert_non_null (mkdtemp (tmpl));
  assert_int_not_equal (asprintf (&id, "%s/class/dmi/id", tmpl), -1);
  assert_int_not_equal (asprintf (&cmd, "mkdir -p %s", id), -1);
  assert_int_equal (system (cmd), 0);
  free (cmd);
  unsetenv ("CE_PLATFORM");

  write_file (id, "sys_vendor", "Microsoft Corporation\n");
  write_file (id, "chassis_asset_tag", "7783-7084-3265-9085-8269-3286-77\n");
  assert_string_equal (ce_platform_detect (tmpl), "azure");
  assert_true (ce_azure_detected (tmpl));
  /* Hyper-V on premises: same vendor, no Azure asset tag. */
  write_file (id, "chassis_asset_tag", "None\n");
  assert_string_equal (ce_platform_detect (tmpl), "unknown");
  assert_false (ce_azure_detected (tmpl));
  write_file (id, "sys_vendor", "Amazon EC2\n");
  assert_string_equal (ce_platform_detect (tmpl), "aws");
  write_file (id, "sys_vendor", "Google\n");
  assert_string_equal (ce_platform_detect (tmpl), "gcp");
  write_file (id, "sys_vendor", "Nutanix\n");
  assert_string_equal (ce_platform_detect (tmpl), "nutanix");
  write_file (id, "sys_vendor", "VMware, Inc.\n");
  assert_string_equal (ce_platform_detect (tmpl), "vsphere");
  write_file (id, "sys_vendor", "Xen\n");
  write_file (id, "bios_version", "4.13.4-xs8\n");
  assert_string_equal (ce_platform_detect (tmpl), "xenserver");
  /* An older EC2 instance type: Xen HVM, but the BIOS is Amazon's. */
  write_file (id, "bios_version", "4.11.amazon\n");
  assert_string_equal (ce_platform_detect (tmpl), "aws");
  setenv ("CE_PLATFORM", "aws", 1);
  assert_string_equal (ce_platform_detect (tmpl), "aws");
  unsetenv ("CE_PLATFORM");

  assert_int_not_equal (asprintf (&cmd, "rm -rf %s", tmpl), -1);
  assert_int_equal (system (cmd), 0);
  free (cmd);
  free (id);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_smbios_oem_string),
    cmocka_unit_test (test_smbios_dir),
    cmocka_unit_test (test_azure_ovf),
    cmocka_unit_test (test_azure_goal_state),
    cmocka_unit_test (test_config_drive),
    cmocka_unit_test (test_xenstore),
    cmocka_unit_test (test_vmware_guestinfo),
    cmocka_unit_test (test_userdata_decode),
    cmocka_unit_test (test_detect),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
