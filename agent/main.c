/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-agent: the Compositing Engine's HTTPS job agent.
 *
 * Start-up: options, boot config (refuse without a proper token), TLS
 * identity, artifact store, HTTPS listener, then the READY line on stdout.
 * The main thread then only waits: for a signal, for POST /v1/complete, for
 * the idle timeout or for the job deadline; then it shuts down and exits
 * (--host) or powers the machine off (appliance). */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent.h"
#include "config/platform.h"
#include "sandbox/sandbox.h"

/* Exit codes (documented in ce-agent(8)). */
#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define EXIT_TIMEOUT 3

#define DEFAULT_HOST_LISTEN "127.0.0.1:8443"
#define DEFAULT_APPLIANCE_ARTIFACTS "/run/ce/artifacts"
#define DEFAULT_ARTIFACT_MAX_BYTES (8ULL << 30)
#define DEFAULT_CONNECTION_TIMEOUT 30u
#define MAX_CONNECTION_TIMEOUT 3600u
#define MALLOC_ARENAS 1
#define FW_CFG_PATH "/sys/firmware/qemu_fw_cfg/by_name/opt/ce/config/raw"
#define CMDLINE_PATH "/proc/cmdline"
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define DMI_DIR "/sys/class/dmi/id"
#define AZURE_ASSET_TAG "7783-7084-3265-9085-8269-3286-77"
#define MAX_SMALL_FILE 4096
/* imagebuild/mkinitramfs writes it: the commit and the content digest. */
#define IMAGE_INFO_PATH "/etc/ce-image.json"
#define JOB_STOP_TIMEOUT 120.0

struct ce_agent ce_agent;

static pthread_t main_thread;
static _Atomic bool exit_requested;
static char *_Atomic exit_reason;

void
ce_agent_request_exit (const char *reason)
{
  char *r = strdup (reason), *old = NULL;
  if (atomic_compare_exchange_strong (&exit_reason, &old, r))
    r = NULL;
  free (r);
  atomic_store (&exit_requested, true);
  pthread_kill (main_thread, SIGUSR1);
}

static void
usage (FILE *f)
{
  fputs (
"Usage: ce-agent [OPTIONS]\n"
"The Compositing Engine agent: HTTPS job API (TLS 1.2+ only).\n"
"\n"
"Modes:\n"
"  (default)              appliance: listen on [::]:443, disks from sysfs,\n"
"                         power the machine off when done\n"
"  --host                 run on a normal host: --listen, --disk, exit when done\n"
"\n"
"Options:\n"
"  --listen ADDR:PORT     listen address ([V6ADDR]:PORT for IPv6; port 0 = any\n"
"                         free port); default 127.0.0.1:8443 with --host\n"
"  --config FILE          boot config JSON (else fw_cfg opt/ce/config, else\n"
"                         ce.config=<base64> on the kernel command line)\n"
"  --disk SPEC            (--host, repeatable) an image file, block device or\n"
"                         NBD URI to offer as an attached disk\n"
"  --artifact-dir DIR     artifact store (default /run/ce/artifacts; --host: a\n"
"                         private temporary directory removed at exit)\n"
"  --artifact-max-bytes N total size limit of the artifact store (default 8 GiB)\n"
"  --connection-timeout S drop connections idle for S seconds (default 30)\n"
"  --export-root DIR      local export destinations must lie beneath DIR\n"
"                         (else the boot config's exportRoot; none: refused)\n"
"  --platform NAME        report NAME instead of the detected platform\n"
"  --image-info FILE      the image's commit and content digest, reported in\n"
"                         GET /v1/info (default " IMAGE_INFO_PATH " in appliance\n"
"                         mode; none with --host)\n"
"  --fw-cfg PATH          read the fw_cfg config from PATH (tests)\n"
"  --proc-cmdline PATH    read the kernel command line from PATH (tests)\n"
"  --sysfs-root DIR       enumerate DIR/block instead of /sys/block (tests)\n"
"  --list-routes          print the API routes and exit\n"
"  --sandbox-self-test FILE [--keep-uid]\n"
"                         run a sandboxed worker that tries to open a socket,\n"
"                         read FILE and this process's memory; exit 0 if\n"
"                         every attempt is refused\n"
"  -v, --verbose          debug log lines\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             this help\n"
"\n"
"Output: 'CE-AGENT-READY sha256=<certificate SHA-256> port=<n>' on stdout once\n"
"listening; JSON-lines log on stderr.\n"
"Exit status: 0 completed (POST /v1/complete) or stopped by a signal;\n"
"1 runtime failure; 2 usage error or invalid/missing boot config;\n"
"3 idle timeout or job deadline expired (--host).\n", f);
}

static char *
read_trimmed (const char *path)
{
  char *s = ce_read_file (path, MAX_SMALL_FILE, NULL);
  if (s) {
    size_t n = strlen (s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
      s[--n] = '\0';
  }
  return s;
}

static void
detect_platform (char *out, size_t size)
{
  char *vendor = read_trimmed (DMI_DIR "/sys_vendor");
  char *product = read_trimmed (DMI_DIR "/product_name");
  char *tag = read_trimmed (DMI_DIR "/chassis_asset_tag");
  const char *p = "unknown";
  const char *v = vendor ? vendor : "", *pr = product ? product : "";

  if (strstr (v, "Amazon") || strstr (pr, "EC2"))
    p = "aws";
  else if (strstr (v, "Google"))
    p = "gcp";
  else if (strstr (v, "Microsoft"))
    p = tag && !strcmp (tag, AZURE_ASSET_TAG) ? "azure" : "hyperv";
  else if (strstr (v, "VMware"))
    p = "vsphere";
  else if (strstr (v, "Xen") || strstr (v, "Citrix"))
    p = "xenserver";
  else if (strstr (v, "Nutanix"))
    p = "nutanix";
  else if (strstr (v, "QEMU") || strstr (pr, "KVM"))
    p = "qemu";
  snprintf (out, size, "%s", p);
  free (vendor);
  free (product);
  free (tag);
}

static int
rm_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st; (void) flag; (void) ftw;
  remove (path);
  return 0;
}

static int
mkdir_p (const char *dir)
{
  char *copy = strdup (dir);
  int r = 0;
  if (!copy)
    return -1;
  for (char *p = copy + 1; *p && r == 0; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir (copy, 0755) == -1 && errno != EEXIST)
        r = -1;
      *p = '/';
    }
  if (r == 0 && mkdir (copy, 0700) == -1 && errno != EEXIST)
    r = -1;
  free (copy);
  return r;
}

static void *
azure_ready_thread (void *arg)
{
  char *e = NULL;

  (void) arg;
  if (ce_azure_report_ready (NULL, &e) == -1)
    ce_log (CE_LOG_ERROR, "azure.ready", "%s", e ? e : "failed");
  else
    ce_log (CE_LOG_INFO, "azure.ready", "reported Ready to the Azure wire server");
  free (e);
  return NULL;
}

int
main (int argc, char **argv)
{
  enum { O_HOST = 256, O_LISTEN, O_CONFIG, O_DISK, O_ARTDIR, O_ARTMAX,
         O_CONNTO, O_PLATFORM, O_FWCFG, O_CMDLINE, O_SYSFS, O_ROUTES, O_EXPROOT,
         O_IMAGEINFO };
  static const struct option longopts[] = {
    { "host", no_argument, NULL, O_HOST },
    { "listen", required_argument, NULL, O_LISTEN },
    { "config", required_argument, NULL, O_CONFIG },
    { "disk", required_argument, NULL, O_DISK },
    { "artifact-dir", required_argument, NULL, O_ARTDIR },
    { "artifact-max-bytes", required_argument, NULL, O_ARTMAX },
    { "connection-timeout", required_argument, NULL, O_CONNTO },
    { "platform", required_argument, NULL, O_PLATFORM },
    { "fw-cfg", required_argument, NULL, O_FWCFG },
    { "proc-cmdline", required_argument, NULL, O_CMDLINE },
    { "sysfs-root", required_argument, NULL, O_SYSFS },
    { "list-routes", no_argument, NULL, O_ROUTES },
    { "export-root", required_argument, NULL, O_EXPROOT },
    { "image-info", required_argument, NULL, O_IMAGEINFO },
    { "verbose", no_argument, NULL, 'v' },
    { "version", no_argument, NULL, 'V' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct ce_config_sources src = { NULL, FW_CFG_PATH, CMDLINE_PATH };
  const char *listen = NULL, *platform = NULL, *artifact_dir = NULL, *export_root = NULL;
  const char *image_info = NULL;
  char *errmsg = NULL, *boot_id = NULL;
  bool temp_artifacts = false;
  unsigned port = 0;
  int c, status = EXIT_RUNTIME;
  sigset_t sigs;

  /* glibc gives each new thread its own malloc arena (64 MiB reserved, the
   * touched part resident); our few threads allocate little and rarely
   * contend, and the RSS budget is 16 MiB. */
  mallopt (M_ARENA_MAX, MALLOC_ARENAS);
  ce_json_wipe_on_free ();
  /* Hidden modes, before anything is set up: the sandboxed disk worker
   * (sandbox/), and its self-test. */
  if (argc == 2 && !strcmp (argv[1], CE_SANDBOX_CHILD_ARG))
    ce_sandbox_child_main ();
  if (argc >= 2 && !strcmp (argv[1], "--sandbox-self-test"))
    return ce_sandbox_self_test (argc, argv);
  ce_agent.artifact_max_bytes = DEFAULT_ARTIFACT_MAX_BYTES;
  ce_agent.connection_timeout = DEFAULT_CONNECTION_TIMEOUT;
  while ((c = getopt_long (argc, argv, "vVh", longopts, NULL)) != -1) {
    char *end;
    switch (c) {
    case O_HOST: ce_agent.host_mode = true; break;
    case O_LISTEN: listen = optarg; break;
    case O_CONFIG: src.file = optarg; break;
    case O_DISK: {
      char **nd = realloc (ce_agent.host_disks,
                           (ce_agent.nhost_disks + 1) * sizeof *nd);
      if (!nd || ce_agent.nhost_disks >= CE_MAX_DISKS) {
        fprintf (stderr, "ce-agent: too many --disk options\n");
        return EXIT_USAGE;
      }
      ce_agent.host_disks = nd;
      nd[ce_agent.nhost_disks++] = optarg;
      break;
    }
    case O_ARTDIR: artifact_dir = optarg; break;
    case O_ARTMAX:
      errno = 0;
      ce_agent.artifact_max_bytes = strtoull (optarg, &end, 10);
      if (errno || *end || end == optarg) {
        fprintf (stderr, "ce-agent: --artifact-max-bytes: not a number: %s\n", optarg);
        return EXIT_USAGE;
      }
      break;
    case O_CONNTO: {
      errno = 0;
      unsigned long v = strtoul (optarg, &end, 10);
      if (errno || *end || end == optarg || v == 0 || v > MAX_CONNECTION_TIMEOUT) {
        fprintf (stderr, "ce-agent: --connection-timeout: 1..%u seconds\n",
                 MAX_CONNECTION_TIMEOUT);
        return EXIT_USAGE;
      }
      ce_agent.connection_timeout = (unsigned) v;
      break;
    }
    case O_PLATFORM: platform = optarg; break;
    case O_FWCFG: src.fw_cfg_path = optarg; break;
    case O_CMDLINE: src.cmdline_path = optarg; break;
    case O_SYSFS: ce_agent.sysfs_root = optarg; break;
    case O_ROUTES: ce_server_print_routes (); return EXIT_OK;
    case O_EXPROOT: export_root = optarg; break;
    case O_IMAGEINFO: image_info = optarg; break;
    case 'v': ce_log_set_debug (true); break;
    case 'V': printf ("ce-agent %s\n", CE_AGENT_VERSION); return EXIT_OK;
    case 'h': usage (stdout); return EXIT_OK;
    default: usage (stderr); return EXIT_USAGE;
    }
  }
  if (optind < argc) {
    fprintf (stderr, "ce-agent: unexpected argument '%s'\n", argv[optind]);
    usage (stderr);
    free (ce_agent.host_disks);
    return EXIT_USAGE;
  }
  if (ce_agent.nhost_disks && !ce_agent.host_mode) {
    fprintf (stderr, "ce-agent: --disk needs --host (the appliance lists attached disks)\n");
    free (ce_agent.host_disks);
    return EXIT_USAGE;
  }
  if (ce_agent.host_mode && !listen)
    listen = DEFAULT_HOST_LISTEN;

  /* Signals are taken synchronously by the main thread; every other thread
   * inherits the mask. */
  main_thread = pthread_self ();
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&sigs);
  sigaddset (&sigs, SIGINT);
  sigaddset (&sigs, SIGTERM);
  sigaddset (&sigs, SIGUSR1);
  pthread_sigmask (SIG_BLOCK, &sigs, NULL);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  ce_agent.start_mono = ce_mono_now ();
  atomic_store (&ce_agent.last_auth_mono, ce_agent.start_mono);

  if (ce_config_load (&src, &ce_agent.config, &errmsg) == -1) {
    ce_log (CE_LOG_ERROR, "config.invalid", "%s", errmsg ? errmsg : "boot config: failed");
    fprintf (stderr, "ce-agent: %s\n", errmsg ? errmsg : "boot config: failed");
    status = EXIT_USAGE;
    goto out;
  }
  ce_log (CE_LOG_INFO, "config.loaded", "boot config from %s (mutual TLS %s, "
          "callback %s, idle timeout %ld s, job deadline %ld s)",
          ce_agent.config.source, ce_agent.config.client_ca ? "on" : "off",
          ce_agent.config.callback_url ? "set" : "none",
          ce_agent.config.idle_timeout_seconds, ce_agent.config.job_deadline_seconds);

  if (ce_export_root_init (export_root ? export_root : ce_agent.config.export_root,
                           &errmsg) == -1) {
    fprintf (stderr, "ce-agent: %s\n", errmsg ? errmsg : "export root: failed");
    status = EXIT_USAGE;
    goto out;
  }
  boot_id = read_trimmed (BOOT_ID_PATH);
  if (boot_id && strlen (boot_id) < sizeof ce_agent.boot_id)
    strcpy (ce_agent.boot_id, boot_id);
  else if (ce_uuid (ce_agent.boot_id) == -1) {
    ce_log (CE_LOG_ERROR, "startup", "no randomness for a boot id");
    goto out;
  }
  /* Named explicitly, the file must be good; the appliance's own is
   * expected but an image without it still serves (reported as null). */
  if (image_info || !ce_agent.host_mode) {
    if (ce_image_info_load (image_info ? image_info : IMAGE_INFO_PATH,
                            &ce_agent.image, &errmsg) == -1) {
      ce_log (image_info ? CE_LOG_ERROR : CE_LOG_WARN, "image.info", "%s",
              errmsg ? errmsg : "image info: failed");
      if (image_info) {
        fprintf (stderr, "ce-agent: %s\n", errmsg ? errmsg : "image info: failed");
        status = EXIT_USAGE;
        goto out;
      }
      free (errmsg);
      errmsg = NULL;
    }
  }
  if (platform)
    snprintf (ce_agent.platform, sizeof ce_agent.platform, "%s", platform);
  else if (ce_agent.host_mode)
    snprintf (ce_agent.platform, sizeof ce_agent.platform, "host");
  else
    detect_platform (ce_agent.platform, sizeof ce_agent.platform);

  if (ce_tls_setup (&ce_agent.config, ce_agent.boot_id, &ce_agent.tls, &errmsg) == -1) {
    ce_log (CE_LOG_ERROR, "tls.setup", "%s", errmsg ? errmsg : "tls setup failed");
    fprintf (stderr, "ce-agent: %s\n", errmsg ? errmsg : "tls setup failed");
    status = ce_agent.config.tls_cert ? EXIT_USAGE : EXIT_RUNTIME;
    goto out;
  }

  if (artifact_dir)
    ce_agent.artifact_dir = strdup (artifact_dir);
  else if (ce_agent.host_mode) {
    char tmpl[] = "/tmp/ce-agent-artifacts.XXXXXX";
    if (mkdtemp (tmpl)) {
      ce_agent.artifact_dir = strdup (tmpl);
      temp_artifacts = true;
    }
  }
  else
    ce_agent.artifact_dir = strdup (DEFAULT_APPLIANCE_ARTIFACTS);
  if (!ce_agent.artifact_dir || mkdir_p (ce_agent.artifact_dir) == -1) {
    ce_log (CE_LOG_ERROR, "artifacts", "cannot create the artifact store %s: %s",
            ce_agent.artifact_dir ? ce_agent.artifact_dir : "(none)", strerror (errno));
    goto out;
  }

  struct ce_server_opts so = {
    .listen = listen,
    .connection_timeout = ce_agent.connection_timeout,
    .cert_pem = ce_agent.tls.cert_pem,
    .key_pem = ce_agent.tls.key_pem,
    .client_ca_pem = ce_agent.config.client_ca,
  };
  if (ce_server_start (&so, &port, &errmsg) == -1) {
    ce_log (CE_LOG_ERROR, "http.listen", "%s", errmsg ? errmsg : "listen failed");
    fprintf (stderr, "ce-agent: %s\n", errmsg ? errmsg : "listen failed");
    goto out;
  }
  ce_log (CE_LOG_INFO, "ready", "listening on %s port %u, mode %s, platform %s, "
          "artifacts in %s", listen ? listen : "[::]", port,
          ce_agent.host_mode ? "host" : "appliance", ce_agent.platform,
          ce_agent.artifact_dir);
  printf ("CE-AGENT-READY sha256=%s port=%u\n", ce_agent.tls.fingerprint, port);
  fflush (stdout);
  /* Azure fails a VM that never reports Ready: report it as soon as we
   * listen, on a thread (the wire server may be slow or retried). */
  if (!ce_agent.host_mode && ce_azure_detected ("/sys")) {
    pthread_t t;
    if (pthread_create (&t, NULL, azure_ready_thread, NULL) == 0)
      pthread_detach (t);
    else
      ce_log (CE_LOG_ERROR, "azure.ready", "cannot start the report thread");
  }

  status = EXIT_OK;
  for (;;) {
    struct timespec tick = { 1, 0 };
    siginfo_t si;
    int sig = sigtimedwait (&sigs, &si, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      ce_log (CE_LOG_INFO, "shutdown", "signal %d: shutting down", sig);
      break;
    }
    if (atomic_load (&exit_requested)) {
      ce_log (CE_LOG_INFO, "shutdown", "%s", atomic_load (&exit_reason)
              ? atomic_load (&exit_reason) : "exit requested");
      break;
    }
    double now = ce_mono_now ();
    long idle = ce_agent.config.idle_timeout_seconds;
    if (idle > 0 && now - atomic_load (&ce_agent.last_auth_mono) > (double) idle) {
      ce_log (CE_LOG_WARN, "idle.timeout", "no authenticated request for %ld s: %s",
              idle, ce_agent.host_mode ? "exiting" : "powering off");
      status = EXIT_TIMEOUT;
      break;
    }
    long deadline = ce_agent.config.job_deadline_seconds;
    if (deadline > 0 && ce_jobs_running_for () > (double) deadline) {
      ce_log (CE_LOG_WARN, "job.deadline", "the running job passed its deadline of "
              "%ld s: canceling it, then %s", deadline,
              ce_agent.host_mode ? "exiting" : "powering off");
      status = EXIT_TIMEOUT;
      break;
    }
  }

  /* Stop a job at its next safe point before anything is torn down. */
  if (!ce_jobs_cancel_and_wait ("agent shutting down", JOB_STOP_TIMEOUT))
    ce_log (CE_LOG_ERROR, "shutdown", "the job did not stop in %.0f s", JOB_STOP_TIMEOUT);
  ce_server_stop ();
  ce_jobs_shutdown ();
  sync ();

 out:
  if (temp_artifacts)
    nftw (ce_agent.artifact_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  {
    /* The memory figure docs/BENCHMARKS.md quotes for the appliance. */
    struct rusage ru;
    long peak = getrusage (RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
    ce_log (CE_LOG_INFO, "exit", "ce-agent exiting with status %d, peak RSS %ld KiB",
            status, peak);
  }
  if (!ce_agent.host_mode && (status == EXIT_OK || status == EXIT_TIMEOUT) && port) {
    ce_power_off ();
    status = EXIT_RUNTIME;
  }
  free (errmsg);
  free (boot_id);
  free (ce_agent.artifact_dir);
  free (ce_agent.host_disks);
  free (ce_agent.export_root);
  json_decref (ce_agent.image);
  free (atomic_load (&exit_reason));
  ce_tls_free (&ce_agent.tls);
  ce_config_free (&ce_agent.config);
  curl_global_cleanup ();
  return status;
}
