/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sandboxed child's seccomp allow-list, as a classic BPF program built
 * here (no libseccomp: Debian 12's libseccomp-dev is not among the build
 * dependencies, and the filter is short).  What the engine (libntfs-3g,
 * hivex, our parsers, the export writers), glibc and qemu-img (run for
 * qcow2/VMDK exports) need on descriptors they hold, and no more: nothing
 * that creates sockets or connects, no ptrace or process_vm_readv, no
 * mount, no keyctl, no bpf.  Everything else fails with EPERM (not a kill:
 * the engine reports a failed step, the job fails with its message). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include "sandbox/sandbox.h"

#if defined(__x86_64__)
#define SBX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SBX_ARCH AUDIT_ARCH_AARCH64
#else
#error "ce-agent's seccomp filter knows x86_64 and aarch64"
#endif

/* x32 system calls on x86_64 have this bit set. */
#define X32_SYSCALL_BIT 0x40000000u
#define MAX_FILTER 512
#define CLONE_NEW_ANY (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
                       CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

static const int allowed[] = {
  /* memory, threads, signals, time */
  __NR_brk, __NR_mmap, __NR_munmap, __NR_mprotect, __NR_mremap, __NR_madvise,
  __NR_futex, __NR_set_robust_list, __NR_get_robust_list, __NR_set_tid_address,
  __NR_exit, __NR_exit_group, __NR_rt_sigaction,
  __NR_rt_sigprocmask, __NR_rt_sigreturn, __NR_sigaltstack, __NR_sched_yield,
  __NR_sched_getaffinity, __NR_nanosleep, __NR_clock_nanosleep,
  __NR_clock_gettime, __NR_clock_getres, __NR_gettimeofday, __NR_getrandom,
  __NR_getpid, __NR_gettid, __NR_getppid, __NR_getuid, __NR_geteuid,
  __NR_getgid, __NR_getegid, __NR_getresuid, __NR_getresgid, __NR_getgroups,
  __NR_prlimit64, __NR_getrlimit, __NR_uname, __NR_sysinfo, __NR_prctl,
  __NR_membarrier, __NR_rt_sigtimedwait, __NR_umask,
#ifdef __NR_rseq
  __NR_rseq,
#endif
#ifdef __NR_arch_prctl
  __NR_arch_prctl,
#endif
  /* descriptors it holds, and files beneath what landlock allows */
  __NR_read, __NR_write, __NR_pread64, __NR_pwrite64, __NR_readv, __NR_writev,
  __NR_preadv, __NR_pwritev, __NR_lseek, __NR_close, __NR_fstat, __NR_newfstatat,
  __NR_statx, __NR_fstatfs, __NR_statfs, __NR_openat, __NR_fcntl, __NR_dup,
  __NR_dup3, __NR_fsync, __NR_fdatasync, __NR_ftruncate, __NR_fallocate,
  __NR_fadvise64, __NR_getdents64, __NR_fchdir, __NR_getcwd, __NR_readlinkat,
  __NR_faccessat, __NR_unlinkat, __NR_renameat, __NR_renameat2, __NR_linkat,
  __NR_fchmod, __NR_fchmodat, __NR_mkdirat, __NR_copy_file_range,
  __NR_pipe2, __NR_eventfd2, __NR_ppoll, __NR_pselect6, __NR_epoll_create1,
  __NR_epoll_ctl, __NR_epoll_pwait, __NR_close_range, __NR_memfd_create,
  /* an NBD disk's connection (made before the filter) */
  __NR_sendto, __NR_recvfrom, __NR_sendmsg, __NR_recvmsg, __NR_shutdown,
  /* qemu-img for qcow2/VMDK; with no_new_privs it gains nothing */
  __NR_execve, __NR_wait4, __NR_waitid,
#ifdef __NR_faccessat2
  __NR_faccessat2,
#endif
#ifdef __NR_open
  __NR_open, __NR_stat, __NR_lstat, __NR_access, __NR_readlink, __NR_unlink,
  __NR_rename, __NR_link, __NR_mkdir, __NR_dup2, __NR_poll, __NR_select,
  __NR_pipe, __NR_epoll_wait, __NR_getdents, __NR_vfork, __NR_fork,
#endif
};

/* ioctl commands (the second argument) allowed: a block device's size and
 * sector size, and stdio's isatty. */
static const unsigned long allowed_ioctls[] = {
  BLKGETSIZE64, BLKSSZGET, BLKPBSZGET, TCGETS, FIONREAD,
};

#define STMT(code, k) ((struct sock_filter) BPF_STMT (code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter) BPF_JUMP (code, k, jt, jf))

int
ce_seccomp_install (void)
{
  struct sock_filter *f = calloc (MAX_FILTER, sizeof *f);
  size_t n = 0;
  const unsigned deny = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
  pid_t self = getpid ();
  int r;

  if (!f)
    return -1;
  /* Another architecture's numbers mean other calls: kill. */
  f[n++] = STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
  f[n++] = JUMP (BPF_JMP | BPF_JEQ | BPF_K, SBX_ARCH, 1, 0);
  f[n++] = STMT (BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  f[n++] = STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
#if defined(__x86_64__)
  f[n++] = JUMP (BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
  f[n++] = STMT (BPF_RET | BPF_K, deny);
#endif
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
    f[n++] = JUMP (BPF_JMP | BPF_JEQ | BPF_K, (unsigned) allowed[i], 0, 1);
    f[n++] = STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  /* clone: threads and posix_spawn, never a new namespace (a user
   * namespace would hand the worker capabilities over its own copies of
   * kernel objects).  clone3 hides its flags in memory the filter cannot
   * read: ENOSYS, and glibc falls back to clone. */
#ifdef __NR_clone3
  f[n++] = JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1);
  f[n++] = STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
#endif
  f[n++] = JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4);
  f[n++] = STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[0]));
  f[n++] = JUMP (BPF_JMP | BPF_JSET | BPF_K, CLONE_NEW_ANY, 0, 1);
  f[n++] = STMT (BPF_RET | BPF_K, deny);
  f[n++] = STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  /* tgkill: only to this process's own threads (abort, raise). */
  f[n++] = JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 0, 3);
  f[n++] = STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[0]));
  f[n++] = JUMP (BPF_JMP | BPF_JEQ | BPF_K, (unsigned) self, 0, 1);
  f[n++] = STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  /* ioctl: the listed commands. */
  f[n++] = STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
  f[n++] = JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0);
  f[n++] = STMT (BPF_RET | BPF_K, deny);
  f[n++] = STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[1]));
  for (size_t i = 0; i < sizeof allowed_ioctls / sizeof allowed_ioctls[0]; i++) {
    f[n++] = JUMP (BPF_JMP | BPF_JEQ | BPF_K, (unsigned) allowed_ioctls[i], 0, 1);
    f[n++] = STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  f[n++] = STMT (BPF_RET | BPF_K, deny);

  struct sock_fprog prog = { .len = (unsigned short) n, .filter = f };
  r = prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
  int e = errno;
  free (f);
  errno = e;
  return r;
}
