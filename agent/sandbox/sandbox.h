/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Disk jobs run in a sandboxed child process.
 *
 * The agent process holds the TLS key, the bearer token and SMB passwords;
 * libntfs-3g, hivex and our own parsers read whatever the customer's disk
 * holds.  So every disk job (inspect, prepare, export, and the inspection
 * behind GET /v1/disks?inspect=1) runs in a child that is a fresh image of
 * ce-agent (fork + exec of /proc/self/exe in a hidden helper mode: the one
 * binary the appliance ships; exec drops every page of the parent's memory,
 * so no secret is carried over) with a scrubbed environment and only these
 * descriptors:
 *   0, 1, 2   /dev/null, stderr, stderr
 *   3         the channel (a socketpair): JSON lines both ways
 *   4         the disk (absent for NBD URIs, which the child connects to
 *             before it locks itself down)
 *   5         the output directory (export), opened beneath its root with
 *             openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 *   6         the artifact store (prepare with artifacts), 7... artifacts
 * Before it reads a byte of the disk the child locks itself down
 * (lockdown.c): no capabilities, an unprivileged uid when its files allow,
 * PR_SET_NO_NEW_PRIVS, landlock (where the kernel has it) and a seccomp
 * allow-list without socket(2), connect(2), ptrace(2)...
 *
 * Channel, parent to child: one request line, then "cancel" lines.  Child
 * to parent: {"t":"log"|"progress"|"result"|"error", ...} lines. */
#ifndef CE_SANDBOX_H
#define CE_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "agent.h"

/* argv[1] of the child (not a documented option: only the agent uses it). */
#define CE_SANDBOX_CHILD_ARG "--sandbox-child"
/* The largest message a child may send (an inspect document is some KiB). */
#define CE_SANDBOX_MAX_MESSAGE (16 * 1024 * 1024)
/* The uid/gid an unprivileged child runs as ("nobody"). */
#define CE_SANDBOX_UID 65534
#define CE_SANDBOX_GID 65534

enum { CE_SBX_FD_CHAN = 3, CE_SBX_FD_DISK, CE_SBX_FD_OUTDIR, CE_SBX_FD_ARTDIR,
       CE_SBX_FD_ARTIFACTS };

struct ce_sandbox_job {
  const char *kind;            /* "inspect", "prepare", "export", "probe" */
  const char *disk;            /* path or NBD URI (the name in messages) */
  bool writable;               /* prepare (not dry run) */
  json_t *params;              /* kind's parameters (borrowed; no secrets) */
  int outdir_fd;               /* export; -1 */
  int artdir_fd;               /* prepare with artifacts; -1 */
  char **artifact_names;       /* NULL-terminated; matching fds */
  int *artifact_fds;
  int base, span;              /* the job's progress range */
};

/* Run SJ in a sandboxed child: its log lines and progress go to CTX (NULL:
 * the agent log), CTX's cancel flag is passed on.  *RESULT gets the
 * child's result; -1 with ERR (the child's error, or why it died). */
int ce_sandbox_run (struct ce_job_ctx *ctx, const struct ce_sandbox_job *sj,
                    json_t **result, struct ce_error *err);

/* Hidden mode: the child's main (never returns). */
int ce_sandbox_child_main (void) __attribute__ ((noreturn));

/* `ce-agent --sandbox-self-test FILE [--keep-uid]`: read FILE (as the
 * agent holds its key), run a probe child that tries to open a socket,
 * read FILE and read this process's /proc/PID/mem, and print its report
 * (JSON) on stdout.  Exit status 0 if every attempt was refused. */
int ce_sandbox_self_test (int argc, char **argv);

/* ---- lockdown.c (in the child) ----------------------------------------- */

struct ce_lockdown {
  bool drop_uid;               /* become CE_SANDBOX_UID when root */
  int outdir_fd;               /* landlock: read/write beneath; -1 */
  int artdir_fd;               /* landlock: read beneath; -1 */
  bool exec_system;            /* landlock: run /usr programs (qemu-img) */
};
/* Lock the calling process down.  *REPORT (malloc'd) says what is on and
 * what the kernel lacks.  -1 only if a step that must work failed. */
int ce_lockdown_apply (const struct ce_lockdown *ld, char **report);

/* ---- seccomp.c / landlock.c -------------------------------------------- */

/* Install the allow-list; -1 with errno (EINVAL: no seccomp in the kernel). */
int ce_seccomp_install (void);
/* Restrict the file system to the rules of LD; the landlock ABI version
 * applied, 0 if the kernel has none, -1 with errno on failure. */
int ce_landlock_apply (const struct ce_lockdown *ld);

#endif /* CE_SANDBOX_H */
