/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-agent internal header, grouped by source file.
 *
 * Error rule in the agent: functions return -1 (or NULL) and fill a
 * struct ce_error (kind + stable code + message).  Exactly one function,
 * ce_reply_error() in http/reply.c, turns a ce_error into an HTTP status and
 * the JSON body {"error":{"code","message"}}.
 */
#ifndef CE_AGENT_H
#define CE_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define CE_AGENT_VERSION "0.1.0"

/* ---- util/error.c ------------------------------------------------------ */

enum ce_err_kind {
  CE_E_NONE = 0,
  CE_E_INVALID,       /* 400 */
  CE_E_AUTH,          /* 401 */
  CE_E_NOT_FOUND,     /* 404 */
  CE_E_METHOD,        /* 405 */
  CE_E_CONFLICT,      /* 409 */
  CE_E_TOO_LARGE,     /* 413 */
  CE_E_MEDIA_TYPE,    /* 415 */
  CE_E_INTERNAL,      /* 500 */
  CE_E_UNAVAILABLE,   /* 503 */
};

struct ce_error {
  enum ce_err_kind kind;
  const char *code;   /* static string, stable for clients */
  char *message;      /* malloc'd */
};

/* Fill ERR (replacing what it held); always returns -1. */
int ce_error_set (struct ce_error *err, enum ce_err_kind kind,
                  const char *code, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));
void ce_error_clear (struct ce_error *err);
/* Move SRC into DST (SRC is left empty). */
void ce_error_move (struct ce_error *dst, struct ce_error *src);

/* ---- util/log.c -------------------------------------------------------- */

enum ce_log_level { CE_LOG_DEBUG, CE_LOG_INFO, CE_LOG_WARN, CE_LOG_ERROR };

/* One JSON line on stderr: {"time","level","event","message"}.  Never pass
 * secrets (token, keys) in.  Preserves errno. */
void ce_log (enum ce_log_level level, const char *event, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));
void ce_log_set_debug (bool on);

/* ---- util/util.c ------------------------------------------------------- */

/* Monotonic seconds. */
double ce_mono_now (void);
/* RFC 3339 UTC with milliseconds; BUF >= CE_TIME_BUF. */
#define CE_TIME_BUF 80
void ce_time_format (const struct timespec *ts, char buf[CE_TIME_BUF]);
/* util/poweroff.c: network interfaces down, sync, power off (appliance
 * only).  Returns only if the kernel refused. */
void ce_power_off (void);
int ce_random_bytes (void *buf, size_t len);
/* Lower-case hex of LEN bytes into OUT (2*LEN+1 bytes). */
void ce_hex_encode (const uint8_t *in, size_t len, char *out);
/* Exactly 2*LEN hex digits into OUT; -1 if malformed. */
int ce_hex_decode (const char *hex, uint8_t *out, size_t len);
/* Standard base64 (padding and whitespace tolerated); NULL if malformed. */
uint8_t *ce_base64_decode (const char *in, size_t inlen, size_t *outlen);
char *ce_base64_encode (const uint8_t *in, size_t len);
/* Read a whole file of at most MAX bytes (NUL-terminated copy); NULL with
 * errno (EFBIG past MAX). */
char *ce_read_file (const char *path, size_t max, size_t *len);
/* New random identifier (UUID v4 text form); BUF >= 37. */
int ce_uuid (char buf[37]);

/* ---- util/secmem.c ----------------------------------------------------- */

/* Make jansson zero every block before freeing it (job documents hold SMB
 * passwords).  Call first thing in main, before any JSON is made.  Blocks
 * stay malloc blocks: json_dumps() results are still released with free(). */
void ce_json_wipe_on_free (void);

/* ---- config/bootconfig.c ----------------------------------------------- */

#define CE_MIN_TOKEN_LEN 32
#define CE_MAX_TOKEN_LEN 4096
#define CE_MAX_CONFIG_SIZE (256 * 1024)

struct ce_config {
  char *token;
  char *client_ca;               /* PEM or NULL */
  char *tls_cert, *tls_key;      /* PEM or NULL */
  char *callback_url;
  char *callback_ca;             /* PEM or NULL */
  uint8_t callback_spki_sha256[32];
  bool has_callback_fingerprint;
  long idle_timeout_seconds;     /* 0 = never */
  long job_deadline_seconds;     /* 0 = never */
  char *export_root;             /* exportRoot: local destinations; NULL = none */
  char *source;                  /* where it came from, for the log */
};

struct ce_config_sources {
  const char *file;              /* --config */
  const char *fw_cfg_path;       /* QEMU fw_cfg raw file */
  const char *cmdline_path;      /* /proc/cmdline */
};

/* Parse one boot config document strictly.  -1 with *ERRMSG (malloc'd). */
int ce_config_parse (const char *text, size_t len, struct ce_config *cfg,
                     char **errmsg);
/* Try the sources in order; the first present one is used (and must be
 * valid). */
int ce_config_load (const struct ce_config_sources *src,
                    struct ce_config *cfg, char **errmsg);
void ce_config_free (struct ce_config *cfg);

/* ---- tls/cert.c -------------------------------------------------------- */

struct ce_tls {
  char *cert_pem, *key_pem;
  char fingerprint[65];          /* SHA-256 of the certificate DER, hex */
};

/* Use the configured cert/key, or generate an ECDSA P-256 self-signed pair
 * with CN = COMMON_NAME and a random serial. */
int ce_tls_setup (const struct ce_config *cfg, const char *common_name,
                  struct ce_tls *tls, char **errmsg);
void ce_tls_free (struct ce_tls *tls);
/* SHA-256 of the DER encoding of the first certificate in PEM; -1 if none. */
int ce_cert_pem_fingerprint (const char *pem, char out[65]);

/* ---- config/image-info.c ---------------------------------------------- */

/* The image's identity file (/etc/ce-image.json in the appliance):
 * {"commit", "sourceDateEpoch", "contentDigest"}, checked strictly; *OUT
 * is the parsed object.  -1 with *ERRMSG (malloc'd) if missing or bad. */
int ce_image_info_load (const char *path, json_t **out, char **errmsg);

/* ---- the agent's global state (main.c) --------------------------------- */

struct ce_agent {
  bool host_mode;
  struct ce_config config;
  struct ce_tls tls;
  char boot_id[64];
  char platform[32];
  double start_mono;
  _Atomic double last_auth_mono;   /* last authenticated request */
  char *artifact_dir;
  uint64_t artifact_max_bytes;     /* whole store */
  unsigned connection_timeout;     /* seconds */
  char **host_disks;
  size_t nhost_disks;
  const char *sysfs_root;
  char *export_root;               /* canonical; NULL: no local destinations */
  json_t *image;                   /* ce_image_info_load(); NULL: not an image */
};
extern struct ce_agent ce_agent;

/* Ask the main thread to stop: REASON for the log, POWER_OFF in appliance
 * mode powers the machine off after shutdown. */
void ce_agent_request_exit (const char *reason);

/* ---- http/server.c ----------------------------------------------------- */

struct ce_server_opts {
  const char *listen;           /* "ADDR:PORT" (host mode) or NULL = [::]:443 */
  unsigned connection_timeout;
  const char *cert_pem, *key_pem, *client_ca_pem;
};
/* Connections the HTTPS server accepts at once. */
#define CE_MAX_CONNECTIONS 64
int ce_server_start (const struct ce_server_opts *opts, unsigned *port,
                     char **errmsg);
void ce_server_stop (void);
/* The route table, "METHOD /path/{param}" one per line (--list-routes). */
void ce_server_print_routes (void);

/* ---- http/auth.c ------------------------------------------------------- */

struct sockaddr;
/* Bearer check (constant time).  0 = authorised; on failure *DELAY_MS is
 * how long the 401 must wait (growing with repeated failures from the same
 * source address; the caller suspends the connection that long). */
int ce_auth_check (const char *authorization, const struct sockaddr *peer,
                   unsigned *delay_ms, struct ce_error *err);

/* ---- jobs/jobdoc.c ----------------------------------------------------- */

#define CE_MAX_JOB_BODY (64 * 1024)

struct ce_job_ctx;

/* Parse a job document with libofflinewin's strict parser (ow_job_parse:
 * the one schema shared with `ce-offline --job`), plus what the agent needs
 * on top (a "disk").  Errors become 400 with a code (malformedJson,
 * unknownField, invalidType, missingField, invalidValue) and the parser's
 * message, which names the field or JSON path.  Returns the job type name
 * (static); *DOC gets the validated document. */
const char *ce_jobdoc_parse (const char *buf, size_t len, json_t **doc,
                             struct ce_error *err);

/* ---- jobs/dest.c ------------------------------------------------------ */

/* The export root (--export-root, else the boot config's exportRoot):
 * made canonical into ce_agent.export_root; -1 with *ERRMSG if DIR is not
 * a directory.  DIR NULL: no local destination is allowed. */
int ce_export_root_init (const char *dir, char **errmsg);
/* A local outputStorageLocation must lie beneath the export root (checked
 * by name at POST; the job then opens it with openat2). */
int ce_export_root_check (const char *location, struct ce_error *err);
/* Open DIR (relative, "" = the root itself) beneath ROOTFD with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): no symlink, no "..",
 * no mount crossing steers it out.  The descriptor (O_DIRECTORY), or -1
 * with errno. */
int ce_open_beneath (int rootfd, const char *dir);

/* ---- jobs/types.c ------------------------------------------------------ */

/* A job type's body, run on the worker thread: report with
 * ce_job_progress/ce_job_log, poll ce_job_canceled at safe points.
 * *RESULT on success; -1 with ERR. */
typedef int (*ce_job_run_fn) (struct ce_job_ctx *ctx, const json_t *doc,
                              json_t **result, struct ce_error *err);

struct ce_job_type {
  const char *name;
  ce_job_run_fn run;
};

/* The job's "disk" as a path, waiting up to waitForDiskSeconds for it. */
char *ce_job_wait_for_disk (struct ce_job_ctx *ctx, const json_t *doc, struct ce_error *err);

/* Where a copy goes: a directory beneath the export root, or a directory
 * of an SMB share mounted for this job; open beneath its root. */
struct ce_share;
struct ce_dest {
  struct ce_share *share;      /* NULL: local */
  int dirfd;                   /* the directory written into */
  char *shown;                 /* for logs and results: no credentials */
};
int ce_dest_open (struct ce_job_ctx *ctx, const json_t *loc, struct ce_dest *d,
                  struct ce_error *err);
void ce_dest_close (struct ce_job_ctx *ctx, struct ce_dest *d);

/* ---- jobs/diagnostics.c ------------------------------------------------ */

/* The "diagnostics" job: ow_diagnose in the sandboxed child, read-only; the
 * bundle kept in the agent's private bundle directory (for GET
 * /v1/jobs/{id}/bundle) and copied to outputStorageLocation if given. */
int ce_run_diagnostics (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
                        struct ce_error *err);
/* The bundle of job ID opened read-only (*SIZE its length), or -1 with ERR
 * (notFound: no such job or no bundle). */
int ce_bundle_open (const char *id, uint64_t *size, struct ce_error *err);
/* The runner for TYPE (every schema has one). */
const struct ce_job_type *ce_job_type_find (const char *type);

/* ---- jobs/runner.c ----------------------------------------------------- */

#define CE_MAX_JOBS 1024
#define CE_MAX_JOB_LOG_LINES 10000

void ce_job_progress (struct ce_job_ctx *ctx, int percent, const char *step);
void ce_job_log (struct ce_job_ctx *ctx, enum ce_log_level level,
                 const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
bool ce_job_canceled (struct ce_job_ctx *ctx);
const char *ce_job_id (const struct ce_job_ctx *ctx);
/* The cancel flag as an int, for engine options (ow_prepare_options). */
volatile int *ce_job_cancel_flag (struct ce_job_ctx *ctx);

/* POST /v1/jobs.  Returns {"id","status"}; *ID_OUT (malloc'd). */
json_t *ce_jobs_start (const char *body, size_t len, char **id_out,
                       struct ce_error *err);
json_t *ce_jobs_get (const char *id, struct ce_error *err);
/* JSON lines with seq >= SINCE. */
char *ce_jobs_log (const char *id, long since, struct ce_error *err);
json_t *ce_jobs_cancel (const char *id, struct ce_error *err);
/* malloc'd id of the running job, NULL if none. */
char *ce_jobs_running (void);
/* Cancel the running job and wait up to TIMEOUT seconds for it to stop. */
bool ce_jobs_cancel_and_wait (const char *why, double timeout);
/* Seconds the running job has been running; -1 if none. */
double ce_jobs_running_for (void);
json_t *ce_jobs_summary (void);
void ce_jobs_shutdown (void);

/* ---- disks/disks.c ----------------------------------------------------- */

#define CE_MAX_DISKS 256

/* GET /v1/disks: array of disk objects (rescanned each call); WITH_INSPECT
 * (?inspect=1) adds each disk's cached inspection or {"status":"pending"}. */
json_t *ce_disks_list (bool with_inspect);
/* A job's "disk" (path, "serial:S", "wwn:W", "lun:N", "scsi:H:C:T:L") to a
 * path; NULL with CE_E_NOT_FOUND when nothing matches now. */
char *ce_disks_resolve (const char *ref, struct ce_error *err);

/* ---- disks/inspect-cache.c --------------------------------------------- */

/* Set DISK's "inspect": the cached inspection of PATH, or
 * {"status":"pending"} while a background sandboxed child inspects it. */
void ce_disks_inspect_attach (json_t *disk, const char *path, uint64_t size);
/* A job ended: every cached inspection is stale. */
void ce_disks_inspect_invalidate (void);

/* ---- artifacts/store.c ------------------------------------------------- */

#define CE_MAX_ARTIFACT_NAME 128

struct ce_upload;
bool ce_artifact_name_valid (const char *name);
/* Begin an upload (validates name, digest header, size, space). */
struct ce_upload *ce_upload_begin (const char *name, const char *digest_hdr,
                                   uint64_t content_length, bool has_length,
                                   struct ce_error *err);
int ce_upload_write (struct ce_upload *up, const void *buf, size_t len,
                     struct ce_error *err);
/* Verify and publish; returns {"name","size","sha256"}. */
json_t *ce_upload_finish (struct ce_upload *up, struct ce_error *err);
/* Discard (unlinks the temporary file); NULL ok. */
void ce_upload_abort (struct ce_upload *up);
/* Path of a stored artifact for job types; NULL if absent. */
char *ce_artifact_path (const char *name);

/* ---- artifacts/refs.c -------------------------------------------------- */

/* The names in a job document's "artifacts" are in use from the job's
 * start (hold) to its end (release): replacing one is refused (409). */
int ce_artifacts_hold (const json_t *doc);           /* 0, or -1: out of memory */
void ce_artifacts_release (const json_t *doc);
/* 0 if NAME is not in use, else -1 with 409 artifactInUse in ERR. */
int ce_artifact_check_free (const char *name, struct ce_error *err);
/* Rename TMP to FINAL unless NAME is in use (checked under the holds' lock). */
int ce_artifact_publish (const char *tmp, const char *final, const char *name,
                         struct ce_error *err);

/* ---- callback/callback.c ----------------------------------------------- */

#define CE_CALLBACK_ATTEMPTS 5

/* POST PAYLOAD to the configured callbackUrl (no-op without one). */
int ce_callback_post (const json_t *payload);

#endif /* CE_AGENT_H */
