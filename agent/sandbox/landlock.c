/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Landlock for the sandboxed child, where the kernel has it: every file
 * system right is taken away except reading and writing beneath the output
 * directory, reading beneath the artifact store, reading the system's
 * programs and libraries (running them only for qemu-img).  The disk and
 * the channel are descriptors opened before, which landlock does not
 * affect.  On ABI 4+ TCP bind/connect are denied too, on ABI 6+ abstract
 * unix sockets and signals outside the sandbox.  Debian 12's
 * <linux/landlock.h> stops at ABI 2, so the later constants are here. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "sandbox/sandbox.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#define LL_FS_TRUNCATE (1ULL << 14)        /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)       /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)        /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_FS_ABI1 ((1ULL << 13) - 1)

/* struct landlock_ruleset_attr as of ABI 6; the size passed says which
 * fields the kernel reads. */
struct ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

static const char *const system_dirs[] = { "/usr", "/lib", "/lib64", "/bin", "/sbin" };

static int
add_beneath (int ruleset, int dirfd, uint64_t access)
{
  struct landlock_path_beneath_attr pb = { .allowed_access = access, .parent_fd = dirfd };
  return (int) syscall (__NR_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

static int
add_path (int ruleset, const char *path, uint64_t access)
{
  int fd = open (path, O_PATH | O_CLOEXEC), r;
  if (fd == -1)
    return errno == ENOENT ? 0 : -1;     /* /lib64 is not everywhere */
  r = add_beneath (ruleset, fd, access);
  close (fd);
  return r;
}

int
ce_landlock_apply (const struct ce_lockdown *ld)
{
  struct ruleset_attr attr = { 0 };
  size_t size;
  int abi, rs, r = -1;
  uint64_t fs_all, rw, ro;

  abi = (int) syscall (__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi <= 0)
    return (errno == ENOSYS || errno == EOPNOTSUPP) ? 0 : -1;
  fs_all = LL_FS_ABI1;
  if (abi >= 2)
    fs_all |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    fs_all |= LL_FS_TRUNCATE;
  if (abi >= 5)
    fs_all |= LL_FS_IOCTL_DEV;
  attr.handled_access_fs = fs_all;
  size = sizeof attr.handled_access_fs;
  if (abi >= 4) {
    attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
    size = offsetof (struct ruleset_attr, scoped);
  }
  if (abi >= 6) {
    attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
    size = sizeof attr;
  }
  rs = (int) syscall (__NR_landlock_create_ruleset, &attr, size, 0);
  if (rs == -1)
    return -1;
  ro = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
  rw = (ro | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE |
        LANDLOCK_ACCESS_FS_MAKE_REG | LL_FS_TRUNCATE) & fs_all;
  if (ld->outdir_fd >= 0 && add_beneath (rs, ld->outdir_fd, rw) == -1)
    goto out;
  if (ld->artdir_fd >= 0 && add_beneath (rs, ld->artdir_fd, ro) == -1)
    goto out;
  /* Programs and libraries are no secret, and glibc's iconv (hivex's
   * UTF-16) loads its gconv modules from /usr/lib when first used. */
  for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++)
    if (add_path (rs, system_dirs[i],
                  ro | (ld->exec_system ? LANDLOCK_ACCESS_FS_EXECUTE : 0)) == -1)
      goto out;
  if (add_path (rs, "/etc/ld.so.cache", LANDLOCK_ACCESS_FS_READ_FILE) == -1)
    goto out;
  if (syscall (__NR_landlock_restrict_self, rs, 0) == -1)
    goto out;
  r = abi;
 out:
  {
    int e = errno;
    close (rs);
    errno = e;
  }
  return r;
}
