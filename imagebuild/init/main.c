/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-init, PID 1 of the appliance: set up the machine, start ce-agent,
 * reap children, and power off when ce-agent exits, on SIGTERM/SIGPWR (the
 * platform asked for a shutdown) or on a fatal error.  PID 1 never exits:
 * that would panic the kernel.
 *
 * The same binary is also:
 *   dhcp-hook EVENT   udhcpc's event script (net.c)
 *   poweroff | halt   asks PID 1 for an orderly shutdown (the kernel runs
 *                     /sbin/poweroff on a Hyper-V or Xen shutdown request) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#ifndef CE_VERSION
#define CE_VERSION "dev"
#endif
#define FW_CFG_CONFIG "/sys/firmware/qemu_fw_cfg/by_name/opt/ce/config/raw"
#define DHCP_RESTART_SECONDS 5

static pid_t agent_pid = -1, shell_pid = -1;
static pid_t dhcp_pids[MAX_NET_IFACES];
static char dhcp_names[MAX_NET_IFACES][32];
static double dhcp_died[MAX_NET_IFACES];
static size_t ndhcp;

double
init_mono (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_BOOTTIME, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

void
init_log (const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  char *msg = NULL, *line = NULL;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&msg, fmt, ap);
  va_end (ap);
  if (n < 0)
    msg = NULL;           /* undefined after a failure */
  /* Seconds since boot, like the kernel's own lines, so the serial log
   * shows where boot time goes.  One write per line: udhcpc and ce-agent
   * share the console and must not land in the middle of it. */
  if (n >= 0 && (n = asprintf (&line, "ce-init: [%8.3f] %s\n", init_mono (), msg)) >= 0) {
    ssize_t w = write (STDERR_FILENO, line, (size_t) n);
    (void) w;
  }
  else
    line = NULL;
  free (msg);
  free (line);
  errno = saved;
}

static void
reset_signals (void)
{
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

static void __attribute__ ((noreturn))
power_off (const char *why)
{
  init_log ("powering off: %s", why);
  kill (-1, SIGTERM);
  /* Up to a second for the others (udhcpc, a debug shell) to go; most
   * power-offs have nothing left to wait for, and every test and every
   * cloud VM pays this wait. */
  double deadline = init_mono () + 1.0;
  while (init_mono () < deadline) {
    pid_t p = waitpid (-1, NULL, WNOHANG);
    if (p == -1 && errno == ECHILD)
      break;
    if (p <= 0) {
      struct timespec ts = { 0, 20000000L };
      nanosleep (&ts, NULL);
    }
  }
  kill (-1, SIGKILL);
  init_net_down ();
  sync ();
  umount2 (INIT_BOOT_MOUNT, MNT_DETACH);
  reboot (RB_POWER_OFF);
  init_log ("reboot(RB_POWER_OFF): %s; halting", strerror (errno));
  reboot (RB_HALT_SYSTEM);
  for (;;)
    pause ();
}

/* A boot config on fw_cfg or the command line needs no network to be read,
 * so the agent may start while DHCP is still running (its listener is on
 * the wildcard address); a platform source (metadata server) needs the
 * lease first. */
static bool
config_is_local (void)
{
  char *c;
  bool found;

  if (access (FW_CFG_CONFIG, R_OK) == 0)
    return true;
  c = init_cmdline_get ("ce.config");
  found = c != NULL;
  free (c);
  return found;
}

static pid_t
start_agent (void)
{
  char *verbose = init_cmdline_get ("ce.verbose");
  pid_t pid;

  if (access (FW_CFG_CONFIG, R_OK) == 0)
    init_log ("boot config: QEMU fw_cfg opt/ce/config");
  else {
    char *c = init_cmdline_get ("ce.config");
    init_log ("boot config: %s", c ? "kernel command line (ce.config=)"
              : "not on fw_cfg nor the command line; ce-agent asks the platform");
    free (c);
  }
  pid = fork ();
  if (pid == 0) {
    char *const envp[] = {
      "PATH=/usr/bin:/sbin", "HOME=" INIT_RUN_DIR, "TZ=UTC", "LC_ALL=C",
      "SSL_CERT_FILE=" INIT_CA_BUNDLE, "CURL_CA_BUNDLE=" INIT_CA_BUNDLE, NULL,
    };
    reset_signals ();
    setsid ();
    if (verbose)
      execle (INIT_AGENT_PATH, "ce-agent", "--verbose", (char *) NULL, envp);
    else
      execle (INIT_AGENT_PATH, "ce-agent", (char *) NULL, envp);
    init_log ("exec %s: %s", INIT_AGENT_PATH, strerror (errno));
    _exit (127);
  }
  free (verbose);
  if (pid == -1)
    init_log ("fork: %s", strerror (errno));
  else
    init_log ("ce-agent started (pid %d)", (int) pid);
  return pid;
}

/* DEBUG=1 images carry busybox: a shell on the console for troubleshooting. */
static pid_t
start_debug_shell (void)
{
  pid_t pid;

  if (access (INIT_SHELL_PATH, X_OK) != 0)
    return -1;
  pid = fork ();
  if (pid == 0) {
    int fd;
    reset_signals ();
    setsid ();
    fd = open ("/dev/console", O_RDWR);
    if (fd != -1) {
      ioctl (fd, TIOCSCTTY, 1);
      dup2 (fd, 0), dup2 (fd, 1), dup2 (fd, 2);
      if (fd > 2)
        close (fd);
    }
    execl (INIT_SHELL_PATH, "sh", (char *) NULL);
    _exit (127);
  }
  init_log ("DEBUG image: shell on the console (pid %d); the VM powers off when it exits "
            "after ce-agent", (int) pid);
  return pid;
}

/* The peak RSS (the kernel's ru_maxrss of the child) is the appliance's own
 * measure of the agent's memory: docs/BENCHMARKS.md quotes it. */
static void
describe_exit (const char *what, pid_t pid, int status, const struct rusage *ru)
{
  if (WIFEXITED (status))
    init_log ("%s (pid %d) exited with status %d, peak RSS %ld KiB", what, (int) pid,
              WEXITSTATUS (status), ru->ru_maxrss);
  else if (WIFSIGNALED (status))
    init_log ("%s (pid %d) killed by signal %d, peak RSS %ld KiB", what, (int) pid,
              WTERMSIG (status), ru->ru_maxrss);
}

/* Ask the agent to stop (it cancels a job at its next safe point), give it
 * STOP_GRACE_SECONDS, then power off. */
static void __attribute__ ((noreturn))
orderly_shutdown (int sig)
{
  double deadline = init_mono () + STOP_GRACE_SECONDS;

  init_log ("signal %d: shutting down", sig);
  if (agent_pid > 0) {
    kill (agent_pid, SIGTERM);
    while (init_mono () < deadline) {
      int status;
      struct rusage ru;
      pid_t p = wait4 (-1, &status, WNOHANG, &ru);
      if (p == agent_pid) {
        describe_exit ("ce-agent", p, status, &ru);
        break;
      }
      if (p <= 0) {
        struct timespec ts = { 0, 100000000L };
        nanosleep (&ts, NULL);
      }
    }
  }
  power_off ("shutdown requested");
}

static void
restart_dead_dhcp (void)
{
  for (size_t i = 0; i < ndhcp; i++)
    if (dhcp_pids[i] == -1 && dhcp_died[i] > 0 &&
        init_mono () - dhcp_died[i] >= DHCP_RESTART_SECONDS) {
      dhcp_died[i] = 0;
      dhcp_pids[i] = init_dhcp_spawn (dhcp_names[i]);
    }
}

static void
reap (void)
{
  int status;
  struct rusage ru;
  pid_t p;

  while ((p = wait4 (-1, &status, WNOHANG, &ru)) > 0) {
    if (p == agent_pid) {
      describe_exit ("ce-agent", p, status, &ru);
      agent_pid = -1;
      continue;
    }
    if (p == shell_pid) {
      shell_pid = -1;
      continue;
    }
    for (size_t i = 0; i < ndhcp; i++)
      if (p == dhcp_pids[i]) {
        describe_exit ("udhcpc", p, status, &ru);
        dhcp_pids[i] = -1;
        dhcp_died[i] = init_mono ();
      }
  }
}

static int
run_pid1 (void)
{
  sigset_t sigs;
  double t0;
  bool early;

  /* Signals are handled synchronously in the loop below. */
  sigemptyset (&sigs);
  sigaddset (&sigs, SIGCHLD);
  sigaddset (&sigs, SIGTERM);
  sigaddset (&sigs, SIGINT);     /* Ctrl-Alt-Del, with RB_DISABLE_CAD */
  sigaddset (&sigs, SIGPWR);
  sigaddset (&sigs, SIGUSR2);
  sigprocmask (SIG_BLOCK, &sigs, NULL);

  if (init_mounts () == -1) {
    init_console ();
    power_off ("cannot mount the pseudo filesystems");
  }
  init_console ();
  reboot (RB_DISABLE_CAD);
  t0 = init_mono ();
  init_log ("ce-init %s starting (firmware: %s)", CE_VERSION,
            access ("/sys/firmware/efi", F_OK) == 0 ? "UEFI" : "BIOS");
  init_entropy ();
  init_clock ();
  init_loopback ();
  init_mount_boot ();
  /* With the config on fw_cfg or the command line the agent needs neither
   * the network nor a medium: it goes first, so on one vCPU its start is
   * not queued behind udhcpc's. */
  early = config_is_local ();
  if (early && (agent_pid = start_agent ()) == -1)
    power_off ("cannot start ce-agent");
  ndhcp = init_dhcp_start (dhcp_pids, dhcp_names, MAX_NET_IFACES);
  init_mount_media ();
  if (ndhcp > 0) {
    if (init_dhcp_wait (DHCP_WAIT_SECONDS))
      init_log ("net: configured");
    else
      init_log ("net: no DHCP lease after %d s; %s (udhcpc keeps trying)",
                DHCP_WAIT_SECONDS, early ? "the agent is up" : "starting the agent anyway");
  }
  if (!early && (agent_pid = start_agent ()) == -1)
    power_off ("cannot start ce-agent");
  shell_pid = start_debug_shell ();
  init_log ("set-up took %.3f s", init_mono () - t0);

  for (;;) {
    struct timespec tick = { 1, 0 };
    siginfo_t si;
    int sig = sigtimedwait (&sigs, &si, &tick);

    if (sig == SIGTERM || sig == SIGINT || sig == SIGPWR || sig == SIGUSR2)
      orderly_shutdown (sig);
    reap ();
    restart_dead_dhcp ();
    if (agent_pid == -1 && shell_pid == -1)
      power_off ("ce-agent exited");
  }
}

int
main (int argc, char **argv)
{
  const char *base = strrchr (argv[0], '/');
  base = base ? base + 1 : argv[0];

  if (!strcmp (base, "dhcp-hook"))
    return init_dhcp_hook (argc, argv);
  if (getpid () != 1) {
    if (!strcmp (base, "poweroff") || !strcmp (base, "halt") || !strcmp (base, "reboot"))
      return kill (1, SIGTERM) == 0 ? 0 : 1;
    fprintf (stderr, "ce-init %s: the appliance's PID 1; also dhcp-hook EVENT and poweroff\n",
             CE_VERSION);
    return 2;
  }
  return run_pid1 ();
}
