/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sandboxed child locks itself down, in this order (each step needs
 * the rights the next one takes away):
 *   1. securebits (root gains nothing at exec), bounding set emptied;
 *   2. an unprivileged uid/gid, no supplementary groups, when asked (the
 *      caller asks when every file it must reach by path allows it);
 *   3. no capabilities at all (also when it stays uid 0: a process without
 *      the parent's capabilities cannot ptrace or read its memory);
 *   4. PR_SET_NO_NEW_PRIVS;
 *   5. landlock, where the kernel has it;
 *   6. the seccomp allow-list.
 * Steps 5 and 6 are skipped, and said so in the report, on a kernel that
 * lacks them; the others must work. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

#define MAX_CAP 64

static int
drop_capabilities (void)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2];

  memset (d, 0, sizeof d);
  return (int) syscall (SYS_capset, &h, d);
}

int
ce_lockdown_apply (const struct ce_lockdown *ld, char **report)
{
  char *rep = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&rep, &size);
  bool root = geteuid () == 0;
  int r = -1, abi;

  *report = NULL;
  if (!f)
    return -1;
  if (root) {
    if (prctl (PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
               SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
               SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0) == -1) {
      fprintf (f, "securebits failed: %s", strerror (errno));
      goto out;
    }
    for (int c = 0; c < MAX_CAP; c++)
      if (prctl (PR_CAPBSET_DROP, c, 0, 0, 0) == -1 && errno == EINVAL)
        break;
    if (ld->drop_uid) {
      if (setgroups (0, NULL) == -1 ||
          setresgid (CE_SANDBOX_GID, CE_SANDBOX_GID, CE_SANDBOX_GID) == -1 ||
          setresuid (CE_SANDBOX_UID, CE_SANDBOX_UID, CE_SANDBOX_UID) == -1) {
        fprintf (f, "cannot become uid %d: %s", CE_SANDBOX_UID, strerror (errno));
        goto out;
      }
      fprintf (f, "uid %d", CE_SANDBOX_UID);
    }
    else
      fputs ("uid 0 (its files need it)", f);
    if (drop_capabilities () == -1) {
      fprintf (f, ", capset failed: %s", strerror (errno));
      goto out;
    }
    fputs (" without capabilities", f);
  }
  else
    fprintf (f, "uid %d (not root)", (int) geteuid ());
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
    fprintf (f, ", no_new_privs failed: %s", strerror (errno));
    goto out;
  }
  fputs (", no_new_privs", f);
  abi = ce_landlock_apply (ld);
  if (abi > 0)
    fprintf (f, ", landlock ABI %d", abi);
  else if (abi == 0)
    fputs (", landlock: not in this kernel", f);
  else {
    fprintf (f, ", landlock failed: %s", strerror (errno));
    goto out;
  }
  if (ce_seccomp_install () == -1) {
    if (errno != EINVAL) {
      fprintf (f, ", seccomp failed: %s", strerror (errno));
      goto out;
    }
    fputs (", seccomp: not in this kernel", f);
  }
  else
    fputs (", seccomp allow-list", f);
  r = 0;
 out:
  if (fclose (f) != 0) {
    free (rep);
    return -1;
  }
  *report = rep;
  return r;
}
