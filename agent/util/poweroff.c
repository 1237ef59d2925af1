/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Powering the appliance off.
 *
 * The network interfaces go down before the kernel is asked to power off.
 * Why: the appliance kernel (Debian's 6.1.192 source) resets every virtio
 * device in device_shutdown() after marking its queues broken
 * (drivers/virtio/virtio.c, virtio_dev_shutdown).  If virtio-net's
 * transmit clean-up runs after that, in NAPI (virtnet_poll_cleantx /
 * virtnet_poll_tx: "do { virtqueue_disable_cb; free_old_xmit_skbs } while
 * (!virtqueue_enable_cb_delayed)"), a broken queue never hands back its
 * used buffers, the loop never ends, and ksoftirqd spins on the only CPU:
 * the power-off hangs with an RCU stall (seen after SMB jobs, whose
 * sessions leave packets in flight; docs/APPLIANCE.md).  An interface that
 * is down has its NAPI contexts disabled (virtnet_close), so nothing polls
 * the queues when they are reset.  After the final report there is
 * nothing left to send. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"

/* klogctl(2) action 8 (glibc has no name for it): the console loglevel. */
#define KLOG_SET_CONSOLE_LEVEL 8
/* 7 puts the kernel's informational shutdown lines (device shutdown, ACPI
 * S5) on the serial console, so a power-off that hangs says where. */
#define SHUTDOWN_CONSOLE_LEVEL 7

/* Every interface but loopback down; how many were. */
static int
interfaces_down (void)
{
  struct if_nameindex *ifs = if_nameindex (), *i;
  int s, n = 0;

  if (ifs == NULL)
    return 0;
  s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (i = ifs; s >= 0 && i->if_index != 0; i++) {
    struct ifreq ifr;

    memset (&ifr, 0, sizeof ifr);
    if (strlen (i->if_name) >= sizeof ifr.ifr_name)
      continue;
    strcpy (ifr.ifr_name, i->if_name);
    if (ioctl (s, SIOCGIFFLAGS, &ifr) == -1 || (ifr.ifr_flags & IFF_LOOPBACK)
        || !(ifr.ifr_flags & IFF_UP))
      continue;
    ifr.ifr_flags &= ~IFF_UP;
    if (ioctl (s, SIOCSIFFLAGS, &ifr) == -1)
      ce_log (CE_LOG_WARN, "poweroff", "taking %s down: %s", i->if_name, strerror (errno));
    else
      n++;
  }
  if (s >= 0)
    close (s);
  if_freenameindex (ifs);
  return n;
}

void
ce_power_off (void)
{
  int n;

  ce_log (CE_LOG_INFO, "poweroff", "powering off");
  klogctl (KLOG_SET_CONSOLE_LEVEL, NULL, SHUTDOWN_CONSOLE_LEVEL);
  n = interfaces_down ();
  sync ();
  ce_log (CE_LOG_INFO, "poweroff", "%d network interface(s) down, file systems synced; "
          "asking the kernel to power off", n);
  if (reboot (RB_POWER_OFF) == -1)
    ce_log (CE_LOG_ERROR, "poweroff", "reboot(RB_POWER_OFF) failed: %s", strerror (errno));
}
