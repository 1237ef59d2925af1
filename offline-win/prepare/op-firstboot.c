/* SPDX-License-Identifier: GPL-3.0-or-later */
/* First-boot runner: commands the other operations queue with
 * ow_firstboot_add run once at next boot, as SYSTEM, before any logon,
 * through a local Group Policy startup script (WINDOWS.md; no
 * third-party binary).  This operation writes the runner
 * (data/firstboot-runner.ps1) and its step list under
 * ProgramData/CE-Appliance/firstboot/, and merges our entry into the
 * local GPO's scripts.ini and gpt.ini (docs/firstboot.md lists every
 * byte of it).  An empty queue writes nothing, and leaves a runner an
 * earlier run staged alone. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "prepare.h"

extern const char ow_data_firstboot_runner[], ow_data_firstboot_runner_end[];

#define STEP             "firstboot"
#define FB_DIR           "ProgramData/CE-Appliance/firstboot"
#define FB_DIR_WIN       "ProgramData\\CE-Appliance\\firstboot"
#define RUNNER_MARKER    "CE-Appliance\\firstboot\\runner.ps1"
/* Group Policy scripts extension and its snap-in (gpt.ini). */
#define SCRIPTS_CSE      "{42B5FAAE-6536-11D2-AE5A-0000F87571E3}"
#define SCRIPTS_TOOL     "{40B6664F-4972-11D1-A7CA-0000F87571E3}"
#define MAX_ATTEMPTS     3            /* boots, then the runner gives up */
#define MAX_INI_FILE     (1024 * 1024)
#define MAX_STEPS_FILE   (16 * 1024 * 1024)
#define MAX_INI_LINES    100000
#define MAX_EXT_GROUPS   256          /* [..] groups in gPCMachineExtensionNames */
#define GUID_TEXT_LEN    38           /* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */
#define PROTECTED_NOTE   "first-boot runner file: protected (SYSTEM and Administrators " \
                         "only); see docs/firstboot.md"

/* Encodings an ini file is read in and written back in. */
enum { OW_INI_ANSI, OW_INI_UTF8_BOM, OW_INI_UTF16LE };

/* Entry points for the tests (not in prepare.h: the lead owns it). */
int ow_fb_ini_decode (const void *buf, size_t len, char **text, int *enc);
void *ow_fb_ini_encode (const char *text, int enc, size_t *len);
char *ow_fb_ext_merge (const char *names);
char *ow_fb_gpt_merge (const char *old, bool bump, bool *changed);
char *ow_fb_ini_get (const char *text, const char *section, const char *key);
char *ow_fb_scripts_merge (const char *old, const char *cmdline, const char *params,
                           bool *changed, bool *had_ours);

/* Insert a command at AT of the queue. */
static int
queue_insert (struct ow_prep_ctx *ctx, size_t at, const char *step, const char *command,
              const char *description, bool first, const int *ok, size_t nok)
{
  struct ow_firstboot_cmd *v = realloc (ctx->fb, (ctx->nfb + 1) * sizeof *v), c;

  if (v == NULL)
    return ow_err (ENOMEM, "out of memory");
  ctx->fb = v;
  memset (&c, 0, sizeof c);
  c.first = first;
  c.step = strdup (step);
  c.command = strdup (command);
  c.description = strdup (description ? description : "");
  if (nok > 0 && (c.ok_codes = calloc (nok, sizeof *c.ok_codes)) != NULL) {
    memcpy (c.ok_codes, ok, nok * sizeof *ok);
    c.nok_codes = nok;
  }
  if (c.step == NULL || c.command == NULL || c.description == NULL
      || (nok > 0 && c.ok_codes == NULL)) {
    free (c.step);
    free (c.command);
    free (c.description);
    free (c.ok_codes);
    return ow_err (ENOMEM, "out of memory");
  }
  memmove (&v[at + 1], &v[at], (ctx->nfb - at) * sizeof *v);
  v[at] = c;
  ctx->nfb++;
  return 0;
}

int
ow_firstboot_add (struct ow_prep_ctx *ctx, const char *step, const char *command,
                  const char *description)
{
  return queue_insert (ctx, ctx->nfb, step, command, description, false, NULL, 0);
}

int
ow_firstboot_add_first (struct ow_prep_ctx *ctx, const char *step, const char *command,
                        const char *description, const int *ok_codes, size_t nok_codes)
{
  size_t at = 0;

  while (at < ctx->nfb && ctx->fb[at].first)
    at++;
  return queue_insert (ctx, at, step, command, description, true, ok_codes, nok_codes);
}

int
ow_firstboot_add_lenient (struct ow_prep_ctx *ctx, const char *step, const char *command,
                          const char *description)
{
  if (ow_firstboot_add (ctx, step, command, description) == -1)
    return -1;
  ctx->fb[ctx->nfb - 1].continue_on_failure = true;
  return 0;
}

/* Directories the runner and the staged installers live in: each that
 * exists already must be changeable by SYSTEM and Administrators only (a
 * standard user may create folders in ProgramData, and the runner runs
 * what is in them as SYSTEM).  One we create gets that descriptor. */
static const char *const runner_dirs[] = {
  "ProgramData/CE-Appliance", FB_DIR, "ProgramData/CE-Appliance/installers",
  "ProgramData/CE-Appliance/drivers", NULL,
};

int
ow_firstboot_dirs_check (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *step)
{
  for (size_t i = 0; runner_dirs[i]; i++) {
    char *why = NULL, *win;
    int r = ow_path_exists (ctx->vol, runner_dirs[i]);

    if (r == 1)
      r = ow_path_admin_only (ctx->vol, runner_dirs[i], &why);
    if (r == -1)
      return -1;
    if (r == 1 || why == NULL)
      continue;
    win = strdup (runner_dirs[i]);
    for (char *p = win; p && *p; p++)
      if (*p == '/')
        *p = '\\';
    ow_plan_step (plan, step, OW_STEP_FAILED, "%%SystemDrive%%\\%s already exists and %s: "
                  "a non-administrator could change what the first-boot runner runs as "
                  "SYSTEM, so nothing is staged there. Delete the folder in the master image "
                  "(or give it to Administrators with a protected ACL) and run the job again",
                  win ? win : runner_dirs[i], why);
    free (win);
    free (why);
    return 1;
  }
  return 0;
}

/* ---- ini text: decoding, lines ------------------------------------- */

int
ow_fb_ini_decode (const void *buf, size_t len, char **text, int *enc)
{
  const uint8_t *b = buf;

  *text = NULL;
  if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF)
    return ow_err_invalid ("UTF-16 big-endian ini files are not supported");
  /* MS-GPSCR: scripts.ini is UTF-16LE with a BOM; tolerate a missing BOM
   * (second byte 0 = ASCII in UTF-16LE) and ANSI, as Windows does. */
  if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[1] == 0 && b[0] != 0))) {
    size_t skip = b[0] == 0xFF ? 2 : 0;
    *enc = OW_INI_UTF16LE;
    *text = ow_utf16le_to_utf8 (b + skip, (len - skip) & ~(size_t) 1);
  }
  else {
    size_t skip = len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0;
    if (memchr (b, 0, len))
      return ow_err_invalid ("ini file holds NUL bytes but is not UTF-16");
    *enc = skip ? OW_INI_UTF8_BOM : OW_INI_ANSI;
    *text = strndup ((const char *) b + skip, len - skip);
  }
  return *text ? 0 : ow_err (errno ? errno : ENOMEM, "decoding ini file: %m");
}

void *
ow_fb_ini_encode (const char *text, int enc, size_t *len)
{
  size_t n = strlen (text), ulen;
  uint8_t *out, *u;

  if (enc != OW_INI_UTF16LE) {
    size_t pre = enc == OW_INI_UTF8_BOM ? 3 : 0;
    out = malloc (n + pre + 1);
    if (out == NULL)
      return NULL;
    memcpy (out, "\xEF\xBB\xBF", pre);
    memcpy (out + pre, text, n);
    *len = n + pre;
    return out;
  }
  u = ow_utf8_to_utf16le (text, &ulen);    /* ends with a NUL code unit */
  if (u == NULL)
    return NULL;
  out = malloc (ulen);
  if (out) {
    out[0] = 0xFF;
    out[1] = 0xFE;
    memcpy (out + 2, u, ulen - 2);
    *len = ulen;
  }
  free (u);
  return out;
}

struct lines {
  char **v;
  size_t n;
};

static void
lines_free (struct lines *l)
{
  for (size_t i = 0; i < l->n; i++)
    free (l->v[i]);
  free (l->v);
}

static int
lines_insert (struct lines *l, size_t at, const char *s)
{
  char **v, *copy;

  if (l->n >= MAX_INI_LINES)
    return ow_err_invalid ("ini file has more than %d lines", MAX_INI_LINES);
  copy = strdup (s);
  v = realloc (l->v, (l->n + 1) * sizeof *v);
  if (copy == NULL || v == NULL) {
    free (copy);
    if (v)
      l->v = v;
    return ow_err (ENOMEM, "out of memory");
  }
  l->v = v;
  memmove (&v[at + 1], &v[at], (l->n - at) * sizeof *v);
  v[at] = copy;
  l->n++;
  return 0;
}

static int
lines_split (const char *text, struct lines *l)
{
  const char *p = text;

  memset (l, 0, sizeof *l);
  while (p && *p) {
    const char *nl = strchr (p, '\n');
    size_t len = nl ? (size_t) (nl - p) : strlen (p);
    char *s;
    int r;

    if (len > 0 && p[len - 1] == '\r')
      len--;
    s = strndup (p, len);
    r = s ? lines_insert (l, l->n, s) : ow_err (ENOMEM, "out of memory");
    free (s);
    if (r == -1) {
      lines_free (l);
      return -1;
    }
    p = nl ? nl + 1 : NULL;
  }
  return 0;
}

/* Windows writes ini files with CRLF. */
static char *
lines_join (const struct lines *l)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);

  if (f == NULL)
    return NULL;
  for (size_t i = 0; i < l->n; i++)
    fprintf (f, "%s\r\n", l->v[i]);
  if (fclose (f) != 0) {
    free (out);
    return NULL;
  }
  return out;
}

static const char *
skip_ws (const char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  return s;
}

/* "[NAME]" (any case, blanks allowed): 1 if LINE is that header; with
 * NAME NULL, 1 for any header. */
static bool
is_section (const char *line, const char *name)
{
  const char *p = skip_ws (line), *end;

  if (*p != '[' || (end = strchr (p, ']')) == NULL || *skip_ws (end + 1))
    return false;
  if (name == NULL)
    return true;
  p = skip_ws (p + 1);
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  return (size_t) (end - p) == strlen (name) && strncasecmp (p, name, strlen (name)) == 0;
}

/* The value of "KEY=value" (any case, blanks around KEY), or NULL. */
static const char *
key_value (const char *line, const char *key)
{
  const char *p = skip_ws (line);
  size_t n = strlen (key);

  if (strncasecmp (p, key, n) != 0)
    return NULL;
  p = skip_ws (p + n);
  return *p == '=' ? p + 1 : NULL;
}

/* Section bounds: lines (*START, *END) are its body; false if absent. */
static bool
find_section (const struct lines *l, const char *name, size_t *start, size_t *end)
{
  for (size_t i = 0; i < l->n; i++) {
    if (!is_section (l->v[i], name))
      continue;
    *start = i + 1;
    for (*end = i + 1; *end < l->n && !is_section (l->v[*end], NULL); (*end)++)
      ;
    return true;
  }
  return false;
}

char *
ow_fb_ini_get (const char *text, const char *section, const char *key)
{
  struct lines l;
  size_t s, e;
  char *r = NULL;

  if (lines_split (text, &l) == -1)
    return NULL;
  if (find_section (&l, section, &s, &e))
    for (size_t i = s; i < e && r == NULL; i++) {
      const char *v = key_value (l.v[i], key);
      if (v)
        r = strdup (skip_ws (v));
    }
  lines_free (&l);
  return r;
}

/* ---- gpt.ini -------------------------------------------------------- */

/* Split "[{A}{B}][{C}]" into groups; false if it is not that shape. */
static bool
ext_groups (const char *s, char **g, size_t *n)
{
  *n = 0;
  for (s = skip_ws (s); *s; s = skip_ws (s)) {
    const char *p = s + 1;
    if (*s != '[' || *n == MAX_EXT_GROUPS)
      return false;
    while (*p == '{') {
      const char *close = strchr (p, '}');
      if (close == NULL || close - p + 1 != GUID_TEXT_LEN)
        return false;
      p = close + 1;
    }
    if (*p != ']' || p == s + 1)
      return false;
    g[(*n)++] = strndup (s, (size_t) (p - s + 1));
    if (g[*n - 1] == NULL)
      return false;
    s = p + 1;
  }
  return true;
}

/* NAMES with the scripts extension and its tool in it (groups ordered by
 * extension GUID, as the Group Policy editor keeps them).  NULL with
 * EINVAL if NAMES is not a list of [{GUID}...] groups. */
char *
ow_fb_ext_merge (const char *names)
{
  char *g[MAX_EXT_GROUPS + 1], *out = NULL;
  size_t n = 0, len = 0, at;
  bool ok = ext_groups (names, g, &n), done = false;
  FILE *f;

  if (!ok) {
    for (size_t i = 0; i < n; i++)
      free (g[i]);
    ow_err_invalid ("gPCMachineExtensionNames is not a list of [{GUID}...] groups: %s", names);
    return NULL;
  }
  f = open_memstream (&out, &len);
  for (at = 0; at < n && strncasecmp (g[at] + 1, SCRIPTS_CSE, GUID_TEXT_LEN) < 0; at++)
    ;
  for (size_t i = 0; f && i <= n; i++) {
    if (i == at && !done && (i == n || strncasecmp (g[i] + 1, SCRIPTS_CSE, GUID_TEXT_LEN) != 0)) {
      fputs ("[" SCRIPTS_CSE SCRIPTS_TOOL "]", f);
      done = true;
    }
    if (i == n)
      break;
    if (strncasecmp (g[i] + 1, SCRIPTS_CSE, GUID_TEXT_LEN) == 0 && !strcasestr (g[i], SCRIPTS_TOOL))
      fprintf (f, "%.*s" SCRIPTS_TOOL "]", (int) (strlen (g[i]) - 1), g[i]);
    else
      fputs (g[i], f);
    free (g[i]);
  }
  if (f == NULL || fclose (f) != 0) {
    free (out);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  return out;
}

static int
bump_version (struct lines *l, size_t at, const char *old)
{
  unsigned long long v = 0, lo;
  char *end, buf[64];

  if (old) {
    errno = 0;
    v = strtoull (skip_ws (old), &end, 10);
    if (errno || end == skip_ws (old) || *skip_ws (end) || v > 0xffffffffULL)
      return ow_err_invalid ("gpt.ini: Version=%s is not a 32-bit number", old);
  }
  /* The computer version is the low 16 bits; 0 would mean "no settings". */
  lo = (v & 0xffff) + 1;
  if (lo > 0xffff)
    lo = 1;
  snprintf (buf, sizeof buf, "Version=%llu", (v & 0xffff0000ULL) | lo);
  if (old) {
    free (l->v[at]);
    l->v[at] = strdup (buf);
    return l->v[at] ? 0 : ow_err (ENOMEM, "out of memory");
  }
  return lines_insert (l, at, buf);
}

/* OLD (NULL = no gpt.ini) with the scripts extension listed, and the
 * computer version moved on when the extension list or (BUMP) the
 * scripts changed.  *CHANGED false: the result equals OLD. */
char *
ow_fb_gpt_merge (const char *old, bool bump, bool *changed)
{
  struct lines l;
  size_t s, e, ext_at = 0, ver_at = 0;
  const char *ext = NULL, *ver = NULL;
  char *merged = NULL, *line = NULL, *out = NULL;

  *changed = false;
  if (lines_split (old ? old : "", &l) == -1)
    return NULL;
  if (!find_section (&l, "General", &s, &e)) {
    /* Before the first section: lines above it are in no section, and
     * must not become part of [General] (found by fuzzing). */
    size_t at = 0;
    while (at < l.n && !is_section (l.v[at], NULL))
      at++;
    if (lines_insert (&l, at, "[General]") == -1)
      goto out;
    s = e = at + 1;
  }
  /* A key given twice: the first counts, as ow_fb_ini_get reads it. */
  for (size_t i = s; i < e; i++) {
    const char *v;
    if ((v = key_value (l.v[i], "gPCMachineExtensionNames")) != NULL) {
      if (ext == NULL)
        ext = v, ext_at = i;
    }
    else if ((v = key_value (l.v[i], "Version")) != NULL && ver == NULL)
      ver = v, ver_at = i;
  }
  merged = ow_fb_ext_merge (ext ? ext : "");
  if (merged == NULL)
    goto out;
  if (ext == NULL || strcmp (skip_ws (ext), merged) != 0) {
    bump = true;
    if (asprintf (&line, "gPCMachineExtensionNames=%s", merged) == -1) {
      line = NULL;
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
    if (ext) {
      free (l.v[ext_at]);
      l.v[ext_at] = line;
      line = NULL;
    }
    else {
      /* Insert before Version= if present, to keep Windows' order. */
      size_t at = ver ? ver_at : e;
      while (!ver && at > s && *skip_ws (l.v[at - 1]) == '\0')
        at--;
      if (lines_insert (&l, at, line) == -1)
        goto out;
      if (ver)
        ver_at++;
      e++;
      ext_at = at;
      if (old == NULL && lines_insert (&l, at, "gPCFunctionalityVersion=2") == -1)
        goto out;
      if (old == NULL)
        ext_at++, e++;
    }
  }
  if (bump) {
    if (bump_version (&l, ver ? ver_at : ext_at + 1, ver) == -1)
      goto out;
    *changed = true;
  }
  out = lines_join (&l);
  if (out == NULL)
    ow_err (ENOMEM, "out of memory");
 out:
  free (merged);
  free (line);
  lines_free (&l);
  return out;
}

/* ---- scripts.ini ---------------------------------------------------- */

/* Index N of an "NCmdLine=" / "NParameters=" line, -1 if not one; *WHAT
 * points at "CmdLine" or "Parameters". */
static long
entry_index (const char *line, const char **what, const char **value)
{
  const char *p = skip_ws (line);
  char *end;
  long n;

  if (!isdigit ((unsigned char) *p))
    return -1;
  errno = 0;
  n = strtol (p, &end, 10);
  if (errno || n < 0 || n > 0x7fffffffL)
    return -1;
  if ((*value = key_value (end, "CmdLine")) != NULL)
    *what = "CmdLine";
  else if ((*value = key_value (end, "Parameters")) != NULL)
    *what = "Parameters";
  else
    return -1;
  return n;
}

static bool
index_used (const struct lines *l, size_t s, size_t e, long idx)
{
  const char *what, *value;

  for (size_t i = s; i < e; i++)
    if (entry_index (l->v[i], &what, &value) == idx)
      return true;
  return false;
}

/* Replace or insert "<IDX><WHAT>=<VALUE>" in section body [S, *E). */
static int
set_entry (struct lines *l, size_t s, size_t *e, long idx, const char *what, const char *value)
{
  const char *w, *v;
  char *line = NULL;
  size_t at = *e;
  int r;

  if (asprintf (&line, "%ld%s=%s", idx, what, value) == -1)
    return ow_err (ENOMEM, "out of memory");
  for (size_t i = s; i < *e; i++)
    if (entry_index (l->v[i], &w, &v) == idx && strcmp (w, what) == 0) {
      free (l->v[i]);
      l->v[i] = line;
      return 0;
    }
  while (at > s && *skip_ws (l->v[at - 1]) == '\0')
    at--;
  r = lines_insert (l, at, line);
  free (line);
  if (r == 0)
    (*e)++;
  return r;
}

/* OLD (NULL = no scripts.ini) with our [Startup] entry: kept where it is
 * if present (*HAD_OURS), else at the next free index. */
char *
ow_fb_scripts_merge (const char *old, const char *cmdline, const char *params,
                     bool *changed, bool *had_ours)
{
  struct lines l;
  size_t s, e;
  long ours = -1, idx = 0;
  const char *what, *value;
  bool same_cmd = false, same_par = false, seen_cmd = false, seen_par = false;
  char *out = NULL;

  *changed = *had_ours = false;
  if (lines_split (old ? old : "", &l) == -1)
    return NULL;
  if (!find_section (&l, "Startup", &s, &e)) {
    if (lines_insert (&l, l.n, "[Startup]") == -1)
      goto out;
    s = e = l.n;
  }
  for (size_t i = s; i < e && ours < 0; i++)
    if (entry_index (l.v[i], &what, &value) >= 0 && strcmp (what, "Parameters") == 0
        && strcasestr (value, RUNNER_MARKER))
      ours = entry_index (l.v[i], &what, &value);
  /* The first line of each kind counts: the one set_entry replaces. */
  for (size_t i = s; i < e && ours >= 0; i++) {
    if (entry_index (l.v[i], &what, &value) != ours)
      continue;
    if (strcmp (what, "CmdLine") == 0 && !seen_cmd)
      same_cmd = strcmp (value, cmdline) == 0, seen_cmd = true;
    else if (strcmp (what, "Parameters") == 0 && !seen_par)
      same_par = strcmp (value, params) == 0, seen_par = true;
  }
  *had_ours = ours >= 0;
  if (ours >= 0 && same_cmd && same_par) {
    out = strdup (old);
    if (out == NULL)
      ow_err (ENOMEM, "out of memory");
    goto out;
  }
  if (ours >= 0)
    idx = ours;
  else
    while (index_used (&l, s, e, idx))
      idx++;
  if (set_entry (&l, s, &e, idx, "CmdLine", cmdline) == -1
      || set_entry (&l, s, &e, idx, "Parameters", params) == -1)
    goto out;
  *changed = true;
  out = lines_join (&l);
  if (out == NULL)
    ow_err (ENOMEM, "out of memory");
 out:
  lines_free (&l);
  return out;
}

/* ---- the operation -------------------------------------------------- */

/* An ini file of the volume: 0 absent (*TEXT NULL), 1 read, -1 error, 2
 * unreadable (*WHY says why; the step fails). */
static int
read_ini (struct ow_volume *vol, const char *path, char **text, int *enc, char **why)
{
  void *buf = NULL;
  size_t len = 0;
  int r = ow_path_exists (vol, path);

  *text = NULL;
  if (r <= 0)
    return r;
  if (ow_file_read (vol, path, MAX_INI_FILE, &buf, &len) == -1
      || ow_fb_ini_decode (buf, len, text, enc) == -1) {
    free (buf);
    if (errno == ENOMEM)
      return -1;
    if (asprintf (why, "%s: %s", path, ow_error_message ()) == -1)
      *why = NULL;
    ow_error_clear ();
    return 2;
  }
  free (buf);
  return 1;
}

static bool
is_domain_controller (struct ow_prep_ctx *ctx)
{
  char *key = NULL, *type = NULL;
  bool dc = false;

  if (ctx->system && asprintf (&key, "%s\\Control\\ProductOptions", ctx->control_set) != -1
      && ow_hive_get_string (ctx->system, key, "ProductType", &type) == 1)
    dc = strcasecmp (type, "LanmanNT") == 0;
  free (key);
  free (type);
  return dc;
}

struct fb {
  char drive;
  char *gpt_path, *scripts_path, *cmdline, *params;
  char *gpt_old, *scripts_old;     /* NULL = absent */
  int gpt_enc, scripts_enc;
  char *gpt_new, *scripts_new;
  bool gpt_changed, scripts_changed, had_ours;
  void *prev_steps;                /* earlier steps.json, NULL = none */
  size_t prev_steps_len;
  char *steps;
};

static void
fb_free (struct fb *f)
{
  free (f->gpt_path);
  free (f->scripts_path);
  free (f->cmdline);
  free (f->params);
  free (f->gpt_old);
  free (f->scripts_old);
  free (f->gpt_new);
  free (f->scripts_new);
  free (f->prev_steps);
  free (f->steps);
}

static int
fb_paths (struct ow_prep_ctx *ctx, struct fb *f)
{
  const char *root = ctx->systemroot;
  char *winroot = strdup (root);

  f->drive = ctx->drive_letter && isalpha ((unsigned char) ctx->drive_letter[0])
             ? (char) toupper ((unsigned char) ctx->drive_letter[0]) : 'C';
  if (winroot == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (char *p = winroot; *p; p++)
    if (*p == '/')
      *p = '\\';
  if (asprintf (&f->gpt_path, "%s/System32/GroupPolicy/gpt.ini", root) == -1
      || asprintf (&f->scripts_path, "%s/System32/GroupPolicy/Machine/Scripts/scripts.ini", root) == -1
      || asprintf (&f->cmdline, "%c:\\%s\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                   f->drive, winroot) == -1
      || asprintf (&f->params, "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "
                   "\"%c:\\" FB_DIR_WIN "\\runner.ps1\"", f->drive) == -1) {
    free (winroot);
    return ow_err (ENOMEM, "out of memory");
  }
  free (winroot);
  return 0;
}

/* What the runner restores when it is done: the state before the first
 * prepare that staged it (kept from the earlier steps.json on a re-run,
 * so running the job again changes nothing). */
static json_t *
restore_info (struct fb *f)
{
  char *ext = f->gpt_old ? ow_fb_ini_get (f->gpt_old, "General", "gPCMachineExtensionNames") : NULL;
  json_t *r;

  if (f->had_ours && f->prev_steps) {
    json_t *prev = json_loadb (f->prev_steps, f->prev_steps_len, 0, NULL);
    json_t *old = json_object_get (prev, "restore");
    if (json_is_object (old)) {
      json_incref (old);
      json_decref (prev);
      free (ext);
      return old;
    }
    json_decref (prev);
  }
  r = json_pack ("{s:b, s:s?, s:b}", "gptIniExisted", f->gpt_old != NULL,
                 "machineExtensionNames", ext, "scriptsIniExisted", f->scripts_old != NULL);
  free (ext);
  return r;
}

static int
build_steps (struct ow_prep_ctx *ctx, struct fb *f)
{
  json_t *steps = json_array (), *doc;

  for (size_t i = 0; i < ctx->nfb; i++) {
    json_t *s = json_pack ("{s:I, s:s, s:s, s:s}", "id", (json_int_t) i + 1,
                           "step", ctx->fb[i].step, "description", ctx->fb[i].description,
                           "command", ctx->fb[i].command);
    /* Only when not the runner's default (0, 3010): steps.json of a job
     * without drivers stays as it was. */
    if (s && ctx->fb[i].nok_codes > 0) {
      json_t *codes = json_array ();
      for (size_t k = 0; k < ctx->fb[i].nok_codes; k++)
        json_array_append_new (codes, json_integer (ctx->fb[i].ok_codes[k]));
      json_object_set_new (s, "okExitCodes", codes);
    }
    /* Only when set: steps.json of the other steps stays as it was. */
    if (s && ctx->fb[i].continue_on_failure)
      json_object_set_new (s, "continueOnFailure", json_true ());
    json_array_append_new (steps, s);
  }
  doc = json_pack ("{s:i, s:i, s:o, s:o}", "version", 1, "maxAttempts", MAX_ATTEMPTS,
                   "steps", steps, "restore", restore_info (f));
  f->steps = doc ? json_dumps (doc, JSON_INDENT (2) | JSON_PRESERVE_ORDER) : NULL;
  json_decref (doc);
  return f->steps ? 0 : ow_err (ENOMEM, "out of memory");
}

/* 0 ok, 2 the step failed (recorded), -1 error. */
static int
read_state (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct fb *f)
{
  char *why = NULL;
  int r = read_ini (ctx->vol, f->scripts_path, &f->scripts_old, &f->scripts_enc, &why);

  if (r != -1 && r != 2)
    r = read_ini (ctx->vol, f->gpt_path, &f->gpt_old, &f->gpt_enc, &why);
  if (r == 2) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "the local Group Policy files cannot be read, "
                  "so the first-boot runner cannot be registered: %s", why ? why : "?");
    free (why);
    return 2;
  }
  if (r == -1)
    return -1;
  r = ow_path_exists (ctx->vol, FB_DIR "/steps.json");
  if (r == 1)
    r = ow_file_read (ctx->vol, FB_DIR "/steps.json", MAX_STEPS_FILE, &f->prev_steps,
                      &f->prev_steps_len);
  return r == -1 ? -1 : 0;
}

/* Changes to a file the runner already left markers for (attempt count,
 * done steps) start the count again: the steps are new. */
static int
reset_markers (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct fb *f)
{
  char **names;
  int r = 0;

  if (f->prev_steps == NULL || (strlen (f->steps) == f->prev_steps_len
                                && memcmp (f->steps, f->prev_steps, f->prev_steps_len) == 0))
    return 0;
  names = ow_dir_list (ctx->vol, FB_DIR);
  if (names == NULL)
    return errno == ENOENT ? 0 : -1;
  for (size_t i = 0; names[i] && r == 0; i++)
    if (strcasecmp (names[i], "attempts") == 0 || strncasecmp (names[i], "done-", 5) == 0) {
      char *p = NULL;
      r = asprintf (&p, FB_DIR "/%s", names[i]) == -1 ? ow_err (ENOMEM, "out of memory")
          : ow_plan_file_delete (plan, STEP, ctx->vol, p);
      free (p);
    }
  ow_strv_free (names);
  return r;
}

static int
write_ini (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *path, const char *text,
           int enc)
{
  size_t len;
  void *b = ow_fb_ini_encode (text, enc, &len);
  int r;

  if (b == NULL)
    return ow_err (errno ? errno : ENOMEM, "%s: encoding: %m", path);
  r = ow_plan_file_write (plan, STEP, ctx->vol, path, b, len);
  free (b);
  return r;
}

static int
plan_files (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct fb *f)
{
  size_t runner_len = (size_t) (ow_data_firstboot_runner_end - ow_data_firstboot_runner);

  if (ow_plan_file_write (plan, STEP, ctx->vol, FB_DIR "/runner.ps1",
                          ow_data_firstboot_runner, runner_len) == -1
      || reset_markers (ctx, plan, f) == -1
      || ow_plan_file_write (plan, STEP, ctx->vol, FB_DIR "/steps.json",
                             f->steps, strlen (f->steps)) == -1)
    return -1;
  if (f->scripts_changed
      && write_ini (ctx, plan, f->scripts_path, f->scripts_new,
                    f->scripts_old ? f->scripts_enc : OW_INI_UTF16LE) == -1)
    return -1;
  if (f->gpt_changed
      && write_ini (ctx, plan, f->gpt_path, f->gpt_new,
                    f->gpt_old ? f->gpt_enc : OW_INI_ANSI) == -1)
    return -1;
  return 0;
}

static int
stage_runner (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct fb *f)
{
  size_t before = plan->n;
  int r;

  if (fb_paths (ctx, f) == -1)
    return -1;
  r = ow_firstboot_dirs_check (ctx, plan, STEP);
  if (r != 0)
    return r == 1 ? 0 : -1;
  r = read_state (ctx, plan, f);
  if (r != 0)
    return r == 2 ? 0 : -1;
  f->scripts_new = ow_fb_scripts_merge (f->scripts_old, f->cmdline, f->params,
                                        &f->scripts_changed, &f->had_ours);
  f->gpt_new = f->scripts_new ? ow_fb_gpt_merge (f->gpt_old, f->scripts_changed, &f->gpt_changed)
               : NULL;
  if (f->gpt_new == NULL) {
    if (errno == ENOMEM)
      return -1;
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "the local Group Policy files cannot be "
                  "merged, so the first-boot runner cannot be registered: %s",
                  ow_error_message ());
    ow_error_clear ();
    return 0;
  }
  if (build_steps (ctx, f) == -1 || plan_files (ctx, plan, f) == -1)
    return -1;
  for (size_t i = before; i < plan->n; i++)
    if (plan->v[i].note == NULL && (plan->v[i].note = strdup (PROTECTED_NOTE)) == NULL)
      return ow_err (ENOMEM, "out of memory");
  ow_plan_step (plan, STEP, plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                "%zu command(s) run once at next boot as SYSTEM before logon by the local "
                "Group Policy startup script %s %s (at most %d boots; log "
                "%c:\\ProgramData\\CE-Appliance\\firstboot.log)%s", ctx->nfb, f->cmdline,
                f->params, MAX_ATTEMPTS, f->drive,
                plan->n > before ? "" : ": already staged");
  return 0;
}

int
ow_op_firstboot (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  struct fb f;
  int r;

  if (ctx->nfb == 0)
    return 0;
  if (is_domain_controller (ctx)) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "this image is a domain controller, which "
                  "ignores local Group Policy: the first-boot runner cannot be registered");
    return 0;
  }
  memset (&f, 0, sizeof f);
  r = stage_runner (ctx, plan, &f);
  fb_free (&f);
  return r;
}
