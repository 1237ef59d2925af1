/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Network: loopback, then busybox udhcpc on every Ethernet interface with
 * this program as its event script ("dhcp-hook"), so the image needs no
 * shell.  The hook configures the address, the routes and resolv.conf with
 * plain ioctls. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define ARPHRD_ETHER_TYPE 1          /* /sys/class/net/IF/type of Ethernet */
#define DHCP_POLL_NS 20000000L
#define MAX_SYSFS_NET_PATH (32 + IFNAMSIZ)  /* "/sys/class/net/IF/master" */

static int
set_flags (int s, const char *ifname, bool up)
{
  struct ifreq ifr;

  memset (&ifr, 0, sizeof ifr);
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
  if (ioctl (s, SIOCGIFFLAGS, &ifr) == -1)
    return -1;
  if (up)
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  else
    ifr.ifr_flags &= ~IFF_UP;
  return ioctl (s, SIOCSIFFLAGS, &ifr);
}

int
init_loopback (void)
{
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

  /* Bringing lo up makes the kernel add 127.0.0.1/8 and ::1 itself. */
  if (s != -1)
    r = set_flags (s, "lo", true);
  if (r == -1)
    init_log ("net: loopback: %s", strerror (errno));
  if (s != -1)
    close (s);
  return r;
}

static bool
is_dhcp_candidate (const char *name)
{
  char path[MAX_SYSFS_NET_PATH];
  FILE *f;
  int type = -1;
  struct stat st;

  if (name[0] == '.' || !strcmp (name, "lo") || strlen (name) >= IFNAMSIZ)
    return false;
  snprintf (path, sizeof path, "/sys/class/net/%s/type", name);
  if ((f = fopen (path, "re"))) {
    if (fscanf (f, "%d", &type) != 1)
      type = -1;
    fclose (f);
  }
  if (type != ARPHRD_ETHER_TYPE)
    return false;
  /* A bonded VF (Azure accelerated networking: MANA/mlx under netvsc)
   * carries no address of its own. */
  snprintf (path, sizeof path, "/sys/class/net/%s/master", name);
  return lstat (path, &st) == -1;
}

static size_t
list_ifaces (char (*names)[32], size_t max)
{
  DIR *d = opendir ("/sys/class/net");
  struct dirent *de;
  size_t n = 0;

  if (!d)
    return 0;
  while ((de = readdir (d)) && n < max)
    if (is_dhcp_candidate (de->d_name))
      snprintf (names[n++], 32, "%s", de->d_name);
  closedir (d);
  return n;
}

/* Before power-off: every Ethernet interface down, so no virtio-net NAPI
 * poll runs when the kernel resets the device (agent/util/poweroff.c says
 * why that hangs the power-off). */
void
init_net_down (void)
{
  char names[MAX_NET_IFACES][32];
  size_t i, n = list_ifaces (names, MAX_NET_IFACES);
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  for (i = 0; s != -1 && i < n; i++)
    if (set_flags (s, names[i], false) == -1)
      init_log ("net: taking %s down: %s", names[i], strerror (errno));
  if (s != -1)
    close (s);
}

size_t
init_dhcp_start (pid_t *pids, char (*names)[32], size_t max)
{
  double deadline = init_mono () + NET_APPEAR_SECONDS;
  size_t n;

  /* Built-in NIC drivers may register after PID 1 starts (VMBus, Xen). */
  while ((n = list_ifaces (names, max)) == 0 && init_mono () < deadline) {
    struct timespec ts = { 0, 50000000L };
    nanosleep (&ts, NULL);
  }
  if (n == 0) {
    init_log ("net: no Ethernet interface after %d s; the agent starts without a network",
              NET_APPEAR_SECONDS);
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    pids[i] = init_dhcp_spawn (names[i]);
  return n;
}

pid_t
init_dhcp_spawn (const char *ifname)
{
  pid_t pid = fork ();

  if (pid == 0) {
    sigset_t none;
    sigemptyset (&none);
    sigprocmask (SIG_SETMASK, &none, NULL);
    /* -f foreground (init supervises it), renewing for the VM's life;
     * 5 discovers 1 s apart, then retry after 3 s. */
    execl (INIT_UDHCPC_PATH, "udhcpc", "-f", "-i", ifname, "-s", INIT_HOOK_PATH,
           "-t", "5", "-T", "1", "-A", "3", (char *) NULL);
    init_log ("net: exec %s: %s", INIT_UDHCPC_PATH, strerror (errno));
    _exit (127);
  }
  if (pid == -1)
    init_log ("net: fork: %s", strerror (errno));
  else
    init_log ("net: DHCP on %s (udhcpc pid %d)", ifname, (int) pid);
  return pid;
}

/* The hook leaves INIT_NET_DIR/<interface> once it configured a lease. */
static bool
any_lease (void)
{
  DIR *d = opendir (INIT_NET_DIR);
  struct dirent *de;
  bool found = false;

  if (!d)
    return false;
  while (!found && (de = readdir (d)))
    found = de->d_name[0] != '.';
  closedir (d);
  return found;
}

bool
init_dhcp_wait (double seconds)
{
  double deadline = init_mono () + seconds;

  while (!any_lease ()) {
    struct timespec ts = { 0, DHCP_POLL_NS };
    if (init_mono () >= deadline)
      return false;
    nanosleep (&ts, NULL);
  }
  return true;
}

/* ---- the udhcpc event script ---- */

static int
set_addr (int s, const char *ifname, unsigned long req, const char *dotted)
{
  struct ifreq ifr;
  struct sockaddr_in *sin = (struct sockaddr_in *) &ifr.ifr_addr;

  memset (&ifr, 0, sizeof ifr);
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
  sin->sin_family = AF_INET;
  if (inet_pton (AF_INET, dotted, &sin->sin_addr) != 1) {
    errno = EINVAL;
    return -1;
  }
  return ioctl (s, req, &ifr);
}

static int
route (int s, unsigned long req, const char *ifname, in_addr_t dst, in_addr_t mask,
       in_addr_t gw, unsigned short flags)
{
  struct rtentry rt;
  char dev[IFNAMSIZ];

  memset (&rt, 0, sizeof rt);
  snprintf (dev, sizeof dev, "%s", ifname);
  ((struct sockaddr_in *) &rt.rt_dst)->sin_family = AF_INET;
  ((struct sockaddr_in *) &rt.rt_dst)->sin_addr.s_addr = dst;
  ((struct sockaddr_in *) &rt.rt_genmask)->sin_family = AF_INET;
  ((struct sockaddr_in *) &rt.rt_genmask)->sin_addr.s_addr = mask;
  ((struct sockaddr_in *) &rt.rt_gateway)->sin_family = AF_INET;
  ((struct sockaddr_in *) &rt.rt_gateway)->sin_addr.s_addr = gw;
  rt.rt_flags = flags;
  rt.rt_dev = dev;
  return ioctl (s, req, &rt);
}

static void
write_resolv_conf (const char *ifname, const char *dns, const char *domain)
{
  unsigned dropped = 0;
  char *text = init_resolv_conf_text (dns, domain, &dropped);
  FILE *f;

  if (dropped > 0)
    init_log ("dhcp-hook: %s: %u DNS server(s) or domain in the lease are not valid; "
              "left out of resolv.conf", ifname, dropped);
  if (!text)
    return;
  f = fopen (INIT_RESOLV_CONF ".tmp", "we");
  if (f) {
    fputs (text, f);
    if (fclose (f) == 0)
      rename (INIT_RESOLV_CONF ".tmp", INIT_RESOLV_CONF);
  }
  free (text);
}

static int
hook_bound (int s, const char *ifname)
{
  const char *ip = getenv ("ip"), *subnet = getenv ("subnet");
  const char *router = getenv ("router"), *mtu = getenv ("mtu");
  struct in_addr a, m, g;
  char *gw = NULL, *lease = NULL;
  int r = -1;

  if (!ip || inet_pton (AF_INET, ip, &a) != 1) {
    init_log ("dhcp-hook: %s: no address in the lease", ifname);
    return -1;
  }
  if (!subnet || inet_pton (AF_INET, subnet, &m) != 1)
    subnet = "255.255.255.255", m.s_addr = INADDR_NONE;
  if (set_addr (s, ifname, SIOCSIFADDR, ip) == -1 ||
      set_addr (s, ifname, SIOCSIFNETMASK, subnet) == -1) {
    init_log ("dhcp-hook: %s: address %s/%s: %s", ifname, ip, subnet, strerror (errno));
    goto out;
  }
  if (mtu && *mtu) {
    struct ifreq ifr;
    memset (&ifr, 0, sizeof ifr);
    snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    ifr.ifr_mtu = atoi (mtu);
    if (ifr.ifr_mtu >= 576 && ioctl (s, SIOCSIFMTU, &ifr) == -1)
      init_log ("dhcp-hook: %s: mtu %s: %s", ifname, mtu, strerror (errno));
  }
  set_flags (s, ifname, true);
  /* Replace this interface's default route. */
  while (route (s, SIOCDELRT, ifname, 0, 0, 0, RTF_UP) == 0)
    ;
  if (router && *router) {
    gw = strndup (router, strcspn (router, " "));
    if (gw && inet_pton (AF_INET, gw, &g) == 1) {
      /* GCE leases a /32 with the gateway outside it: reach it on-link. */
      if ((g.s_addr & m.s_addr) != (a.s_addr & m.s_addr))
        route (s, SIOCADDRT, ifname, g.s_addr, INADDR_NONE, 0, RTF_UP | RTF_HOST);
      if (route (s, SIOCADDRT, ifname, 0, 0, g.s_addr, RTF_UP | RTF_GATEWAY) == -1 &&
          errno != EEXIST)
        init_log ("dhcp-hook: %s: default route via %s: %s", ifname, gw, strerror (errno));
    }
  }
  write_resolv_conf (ifname, getenv ("dns"), getenv ("domain"));
  init_log ("dhcp-hook: %s: %s/%s router %s", ifname, ip, subnet, gw ? gw : "none");
  if (asprintf (&lease, INIT_NET_DIR "/%s", ifname) != -1) {
    FILE *f = fopen (lease, "we");
    if (f) {
      fprintf (f, "ip=%s\nsubnet=%s\nrouter=%s\n", ip, subnet, gw ? gw : "");
      fclose (f);
    }
  }
  r = 0;
 out:
  free (gw);
  free (lease);
  return r;
}

int
init_dhcp_hook (int argc, char **argv)
{
  const char *ifname = getenv ("interface");
  int s, r = 0;

  if (argc < 2 || !ifname || !*ifname || strlen (ifname) >= IFNAMSIZ) {
    fprintf (stderr, "usage: dhcp-hook EVENT (run by udhcpc with $interface set)\n");
    return 2;
  }
  s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s == -1)
    return 1;
  if (!strcmp (argv[1], "deconfig")) {
    set_addr (s, ifname, SIOCSIFADDR, "0.0.0.0");
    set_flags (s, ifname, true);
  }
  else if (!strcmp (argv[1], "bound") || !strcmp (argv[1], "renew"))
    r = hook_bound (s, ifname) == -1 ? 1 : 0;
  else if (!strcmp (argv[1], "leasefail") || !strcmp (argv[1], "nak"))
    init_log ("dhcp-hook: %s: %s", ifname, argv[1]);
  close (s);
  return r;
}
