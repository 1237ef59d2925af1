/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The agent's side of a sandboxed disk job: start the child with only its
 * descriptors and a scrubbed environment, send the request, relay its log
 * lines and progress into the job record, pass cancel on, collect the
 * result.  See sandbox.h for why a fresh exec of ce-agent. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

#define SELF_EXE "/proc/self/exe"
#define CHILD_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
/* How often the relay looks at the job's cancel flag. */
#define CANCEL_POLL_MS 200
#define MAX_ARTIFACT_FDS 256
/* A worker that has not stopped this long after cancel is killed (the
 * engine's writes are crash-safe at every point: tests/test-*-power-cut). */
#define CANCEL_KILL_SECONDS 60.0
/* Sources are moved above every target first, so no dup2 clobbers one. */
#define FD_STAGING_BASE 512
/* Variables the child keeps (diagnostics; none holds a secret). */
static const char *const passed_env[] = {
  "CE_DEBUG", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL
};

/* The codes a child may report, as static strings for ce_error. */
static const char *const codes[] = {
  "unsafeDisk", "inspectFailed", "invalidJob", "canceled", "prepareFailed",
  "exportFailed", "insufficientSpace", "destinationNotFound", "outputExists",
  "sandboxFailed", "internal", NULL
};

static void
job_log (struct ce_job_ctx *ctx, enum ce_log_level level, const char *msg)
{
  if (ctx)
    ce_job_log (ctx, level, "%s", msg);
  else
    ce_log (level, "sandbox", "%s", msg);
}

static enum ce_log_level
level_of (const char *s)
{
  if (s && !strcmp (s, "error")) return CE_LOG_ERROR;
  if (s && !strcmp (s, "warning")) return CE_LOG_WARN;
  if (s && !strcmp (s, "debug")) return CE_LOG_DEBUG;
  return CE_LOG_INFO;
}

struct relay {
  struct ce_job_ctx *ctx;
  const struct ce_sandbox_job *sj;
  json_t *result;
  struct ce_error *err;
  bool got_error;
};

static void
handle (struct relay *rl, const char *line)
{
  json_t *m = json_loads (line, 0, NULL);
  const char *t = json_string_value (json_object_get (m, "t"));

  if (!t)
    job_log (rl->ctx, CE_LOG_WARN, "sandbox: a line that is not a message");
  else if (!strcmp (t, "log"))
    job_log (rl->ctx, level_of (json_string_value (json_object_get (m, "level"))),
             json_string_value (json_object_get (m, "message")) ?: "");
  else if (!strcmp (t, "progress") && rl->ctx) {
    json_int_t p = json_integer_value (json_object_get (m, "percent"));
    if (p < 0) p = 0;
    if (p > 100) p = 100;
    ce_job_progress (rl->ctx, rl->sj->base + rl->sj->span * (int) p / 100,
                     json_string_value (json_object_get (m, "step")));
  }
  else if (!strcmp (t, "result") && !rl->result && !rl->got_error)
    rl->result = json_incref (json_object_get (m, "result"));
  else if (!strcmp (t, "error") && !rl->result && !rl->got_error) {
    const char *kind = json_string_value (json_object_get (m, "kind"));
    const char *code = json_string_value (json_object_get (m, "code")), *c = "failed";
    for (size_t i = 0; code && codes[i]; i++)
      if (!strcmp (codes[i], code))
        c = codes[i];
    ce_error_set (rl->err, kind && !strcmp (kind, "conflict") ? CE_E_CONFLICT : CE_E_INTERNAL,
                  c, "%s", json_string_value (json_object_get (m, "message")) ?: c);
    rl->got_error = true;
  }
  json_decref (m);
}

static int
write_all (int fd, const char *s, size_t n)
{
  while (n > 0) {
    ssize_t w = write (fd, s, n);
    if (w == -1 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    s += w;
    n -= (size_t) w;
  }
  return 0;
}

/* The request line: kind, disk name, parameters, which descriptors. */
static char *
request_line (const struct ce_sandbox_job *sj, bool nbd)
{
  json_t *o = json_pack ("{s:s, s:b, s:b, s:b, s:b}", "kind", sj->kind, "writable", sj->writable,
                         "nbd", nbd, "outdir", sj->outdir_fd >= 0, "artdir", sj->artdir_fd >= 0);
  json_t *names = json_array ();
  char *s = NULL;

  if (!o || !names)
    goto out;
  if (sj->disk)
    json_object_set_new (o, "disk", json_string (sj->disk));
  if (sj->params)
    json_object_set (o, "params", sj->params);
  for (size_t i = 0; sj->artifact_names && sj->artifact_names[i]; i++)
    json_array_append_new (names, json_string (sj->artifact_names[i]));
  json_object_set (o, "artifacts", names);
  s = json_dumps (o, JSON_COMPACT);
 out:
  json_decref (names);
  json_decref (o);
  return s;
}

static bool
is_nbd (const char *spec)
{
  return spec && (!strncmp (spec, "nbd:", 4) || !strncmp (spec, "nbd+", 4) ||
                  !strncmp (spec, "nbds:", 5) || !strncmp (spec, "nbds+", 5));
}

/* In the forked child: only async-signal-safe calls until exec. */
static void __attribute__ ((noreturn))
exec_child (const int *src, int nfds, char *const argv[], char *const envp[])
{
  int staged[CE_SBX_FD_ARTIFACTS + MAX_ARTIFACT_FDS];
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_IGN);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  for (int i = 0; i < nfds; i++)
    staged[i] = src[i] < 0 ? -1 : fcntl (src[i], F_DUPFD, FD_STAGING_BASE + nfds);
  for (int i = 0; i < nfds; i++)
    if (staged[i] >= 0 && dup2 (staged[i], i) == -1)
      _exit (127);
  /* Nothing else crosses: not the listening socket, not a connection. */
  for (int i = 0; i < nfds; i++)
    if (staged[i] < 0)
      close (i);
  close_range ((unsigned) nfds, ~0U, 0);
  execve (SELF_EXE, argv, envp);
  _exit (127);
}

int
ce_sandbox_run (struct ce_job_ctx *ctx, const struct ce_sandbox_job *sj,
                json_t **result, struct ce_error *err)
{
  int sv[2] = { -1, -1 }, diskfd = -1, devnull = -1, nfds, st = 0;
  int src[CE_SBX_FD_ARTIFACTS + MAX_ARTIFACT_FDS];
  char *req = NULL, *envp[8], *argv[] = { (char *) "ce-agent", (char *) CE_SANDBOX_CHILD_ARG, NULL };
  char *buf = NULL;
  size_t len = 0, cap = 0, nenv = 0;
  bool nbd = is_nbd (sj->disk), cancel_sent = false, killed = false;
  double cancel_mono = 0;
  struct relay rl = { ctx, sj, NULL, err, false };
  pid_t pid = -1;
  int r = -1;

  *result = NULL;
  envp[nenv++] = (char *) CHILD_PATH;
  for (const char *const *v = passed_env; *v && nenv < 7; v++) {
    /* getenv returns "VALUE" inside "NAME=VALUE". */
    const char *val = getenv (*v);
    if (val)
      envp[nenv++] = (char *) val - strlen (*v) - 1;
  }
  envp[nenv] = NULL;
  if (sj->disk && !nbd) {
    diskfd = open (sj->disk, (sj->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (diskfd == -1) {
      ce_error_set (err, CE_E_INTERNAL, !strcmp (sj->kind, "inspect") ? "inspectFailed"
                    : !strcmp (sj->kind, "prepare") ? "prepareFailed" : "exportFailed",
                    "%s: cannot open%s: %s", sj->disk, sj->writable ? " for writing" : "",
                    strerror (errno));
      goto out;
    }
  }
  nfds = CE_SBX_FD_ARTIFACTS;
  for (size_t i = 0; sj->artifact_fds && sj->artifact_names && sj->artifact_names[i]; i++) {
    if (i >= MAX_ARTIFACT_FDS) {
      ce_error_set (err, CE_E_INTERNAL, "internal", "too many artifacts");
      goto out;
    }
    src[nfds++] = sj->artifact_fds[i];
  }
  req = request_line (sj, nbd);
  devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (!req || devnull == -1 ||
      socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot start the sandboxed worker: %s",
                  strerror (errno));
    goto out;
  }
  src[0] = devnull;
  src[1] = STDERR_FILENO;
  src[2] = STDERR_FILENO;
  src[CE_SBX_FD_CHAN] = sv[1];
  src[CE_SBX_FD_DISK] = diskfd;
  src[CE_SBX_FD_OUTDIR] = sj->outdir_fd;
  src[CE_SBX_FD_ARTDIR] = sj->artdir_fd;
  pid = fork ();
  if (pid == 0)
    exec_child (src, nfds, argv, envp);
  if (pid == -1) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot fork the sandboxed worker: %s",
                  strerror (errno));
    goto out;
  }
  close (sv[1]);
  sv[1] = -1;
  if (write_all (sv[0], req, strlen (req)) == -1 || write_all (sv[0], "\n", 1) == -1)
    job_log (ctx, CE_LOG_WARN, "sandbox: the worker did not take its request");

  for (;;) {
    struct pollfd p = { .fd = sv[0], .events = POLLIN };
    int pr = poll (&p, 1, CANCEL_POLL_MS);
    if (pr == -1 && errno != EINTR)
      break;
    if (ctx && !cancel_sent && ce_job_canceled (ctx)) {
      write_all (sv[0], "cancel\n", 7);
      cancel_sent = true;
      cancel_mono = ce_mono_now ();
    }
    if (cancel_sent && !killed && ce_mono_now () - cancel_mono > CANCEL_KILL_SECONDS) {
      job_log (ctx, CE_LOG_WARN, "sandbox: the worker did not stop after cancel: killing it");
      kill (pid, SIGKILL);
      killed = true;
    }
    if (pr <= 0)
      continue;
    if (len + 65536 > cap) {
      if (cap >= CE_SANDBOX_MAX_MESSAGE) {
        job_log (ctx, CE_LOG_ERROR, "sandbox: the worker sent an oversized message");
        kill (pid, SIGKILL);
        break;
      }
      char *nb = realloc (buf, cap = cap ? cap * 2 : 131072);
      if (!nb) {
        kill (pid, SIGKILL);
        break;
      }
      buf = nb;
    }
    ssize_t n = read (sv[0], buf + len, cap - len - 1);
    if (n == -1 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    len += (size_t) n;
    char *nl;
    size_t start = 0;
    while ((nl = memchr (buf + start, '\n', len - start))) {
      *nl = '\0';
      handle (&rl, buf + start);
      start = (size_t) (nl - buf) + 1;
    }
    memmove (buf, buf + start, len - start);
    len -= start;
  }
  while (waitpid (pid, &st, 0) == -1 && errno == EINTR)
    ;
  if (rl.result) {
    *result = rl.result;
    r = 0;
  }
  else if (!rl.got_error) {
    if (WIFSIGNALED (st))
      ce_error_set (err, CE_E_INTERNAL, "failed", "the sandboxed worker was killed by signal %d",
                    WTERMSIG (st));
    else
      ce_error_set (err, CE_E_INTERNAL, "failed",
                    "the sandboxed worker exited (status %d) without a result",
                    WIFEXITED (st) ? WEXITSTATUS (st) : -1);
  }
 out:
  if (sv[0] >= 0) close (sv[0]);
  if (sv[1] >= 0) close (sv[1]);
  if (diskfd >= 0) close (diskfd);
  if (devnull >= 0) close (devnull);
  free (req);
  free (buf);
  return r;
}

int
ce_sandbox_self_test (int argc, char **argv)
{
  const char *file = argc >= 3 ? argv[2] : NULL;
  bool keep_uid = argc >= 4 && !strcmp (argv[3], "--keep-uid");
  struct ce_error err = { 0 };
  json_t *res = NULL, *params;
  char *secret, *out;
  int ok;

  if (!file) {
    fprintf (stderr, "usage: ce-agent --sandbox-self-test FILE [--keep-uid]\n");
    return 2;
  }
  /* Hold FILE as the agent holds its key. */
  secret = ce_read_file (file, CE_MAX_CONFIG_SIZE, NULL);
  if (!secret) {
    fprintf (stderr, "ce-agent: %s: %s\n", file, strerror (errno));
    return 2;
  }
  params = json_pack ("{s:s, s:I, s:b}", "file", file, "pid", (json_int_t) getpid (),
                      "keepUid", keep_uid);
  struct ce_sandbox_job sj = { .kind = "probe", .params = params, .outdir_fd = -1,
                               .artdir_fd = -1 };
  if (ce_sandbox_run (NULL, &sj, &res, &err) == -1) {
    fprintf (stderr, "ce-agent: %s\n", err.message ? err.message : "sandbox failed");
    ok = 0;
  }
  else {
    ok = 1;
    for (const char *k = "socket"; k; k = !strcmp (k, "socket") ? "keyFile"
         : !strcmp (k, "keyFile") ? "agentMemory" : NULL)
      ok &= json_is_true (json_object_get (json_object_get (res, k), "refused"));
    out = json_dumps (res, JSON_COMPACT | JSON_SORT_KEYS);
    if (out)
      puts (out);
    free (out);
  }
  explicit_bzero (secret, strlen (secret));
  free (secret);
  json_decref (res);
  json_decref (params);
  ce_error_clear (&err);
  return ok ? 0 : 1;
}
