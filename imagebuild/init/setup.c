/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Early set-up: pseudo filesystems, the console, entropy and the clock. */
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <linux/rtc.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

/* The clock is never set earlier than this (2026-01-01): TLS certificates
 * generated at start must not predate the connector's notion of "now" by
 * decades when a platform has no usable RTC. */
#define CLOCK_FLOOR_EPOCH 1767225600
#define HWRNG_WAIT_MS 200

struct mnt { const char *src, *dir, *type; unsigned long flags; const char *opts; };

int
init_mounts (void)
{
  static const struct mnt mnts[] = {
    { "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
    { "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
    { "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
    { "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
    { "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
  };
  int r = 0;

  for (size_t i = 0; i < sizeof mnts / sizeof mnts[0]; i++) {
    const struct mnt *m = &mnts[i];
    if (mkdir (m->dir, 0755) == -1 && errno != EEXIST)
      init_log ("mkdir %s: %s", m->dir, strerror (errno));
    if (mount (m->src, m->dir, m->type, m->flags, m->opts) == -1 && errno != EBUSY) {
      init_log ("mount %s on %s: %s", m->type, m->dir, strerror (errno));
      r = -1;
    }
  }
  if (mkdir (INIT_RUN_DIR, 0755) == -1 && errno != EEXIST)
    r = -1;
  if (mkdir (INIT_NET_DIR, 0755) == -1 && errno != EEXIST)
    r = -1;
  return r;
}

/* The kernel opens /dev/console for PID 1 when the initramfs has the node;
 * if it did not, open it now that devtmpfs is mounted. */
void
init_console (void)
{
  int fd;

  if (fcntl (2, F_GETFD) != -1)
    return;
  fd = open ("/dev/console", O_RDWR | O_NOCTTY);
  if (fd == -1)
    return;
  for (int i = 0; i < 3; i++)
    if (fd != i)
      dup2 (fd, i);
  if (fd > 2)
    close (fd);
}

/* Credit bytes from the hardware RNG (virtio-rng under QEMU, KVM and
 * Nutanix) to the pool before ce-agent generates its TLS key.  The kernel's
 * hwrng thread would do it too, but later; on platforms without one the
 * kernel's own jitter entropy makes getrandom() ready. */
void
init_entropy (void)
{
  struct {
    struct rand_pool_info info;
    unsigned char buf[ENTROPY_SEED_BYTES];
  } seed;
  unsigned char probe;
  ssize_t n = 0;
  int fd = open ("/dev/hwrng", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

  if (fd != -1) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll (&p, 1, HWRNG_WAIT_MS) == 1)
      n = read (fd, seed.buf, sizeof seed.buf);
    close (fd);
  }
  if (n > 0) {
    seed.info.entropy_count = (int) n * 8;
    seed.info.buf_size = (int) n;
    fd = open ("/dev/urandom", O_WRONLY | O_CLOEXEC);
    if (fd == -1 || ioctl (fd, RNDADDENTROPY, &seed.info) == -1)
      init_log ("entropy: RNDADDENTROPY: %s", strerror (errno));
    else
      init_log ("entropy: %zd bytes from /dev/hwrng credited", n);
    if (fd != -1)
      close (fd);
  }
  if (getrandom (&probe, 1, GRND_NONBLOCK) == 1)
    init_log ("entropy: random pool ready");
  else
    init_log ("entropy: random pool not ready yet (the agent's getrandom will wait)");
}

/* RTC_HCTOSYS already set the clock on most platforms; read the RTC again
 * in case it came up late, and never run before CLOCK_FLOOR_EPOCH. */
void
init_clock (void)
{
  struct rtc_time rt;
  struct timeval now;
  time_t want = 0;
  int fd = open ("/dev/rtc0", O_RDONLY | O_CLOEXEC);

  if (fd != -1) {
    if (ioctl (fd, RTC_RD_TIME, &rt) == 0) {
      struct tm tm = {
        .tm_sec = rt.tm_sec, .tm_min = rt.tm_min, .tm_hour = rt.tm_hour,
        .tm_mday = rt.tm_mday, .tm_mon = rt.tm_mon, .tm_year = rt.tm_year,
      };
      want = timegm (&tm);
    }
    close (fd);
  }
  gettimeofday (&now, NULL);
  if (want < CLOCK_FLOOR_EPOCH)
    want = now.tv_sec >= CLOCK_FLOOR_EPOCH ? now.tv_sec : CLOCK_FLOOR_EPOCH;
  if (now.tv_sec < want - 1 || now.tv_sec > want + 1) {
    struct timeval tv = { .tv_sec = want, .tv_usec = 0 };
    if (settimeofday (&tv, NULL) == -1)
      init_log ("clock: settimeofday: %s", strerror (errno));
  }
  gettimeofday (&now, NULL);
  char stamp[32];
  struct tm tm;
  gmtime_r (&now.tv_sec, &tm);
  strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  init_log ("clock: %s (%s)", stamp, fd != -1 ? "RTC" : "no RTC");
}
