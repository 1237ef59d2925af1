/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The plan: every change a job will make, with old and new values, built
 * before anything is written.  A change equal to the current state is not
 * recorded, which is what makes re-running a job a no-op. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prepare.h"

/* Files compared byte for byte when planning are read whole; installer
 * payloads beyond this are treated as different (re-copied). */
#define MAX_COMPARE_FILE (1024u * 1024 * 1024)

void
ow_plan_init (struct ow_plan *p)
{
  memset (p, 0, sizeof *p);
  p->steps = json_array ();
  p->notes = json_array ();
}

static void
change_free (struct ow_change *c)
{
  free (c->step);
  free (c->hive);
  free (c->key);
  free (c->value);
  free (c->old_data);
  free (c->new_data);
  free (c->path);
  free (c->content);
  free (c->source);
  if (c->source_fd >= 0)
    close (c->source_fd);
  free (c->note);
}

void
ow_plan_free (struct ow_plan *p)
{
  for (size_t i = 0; i < p->n; i++)
    change_free (&p->v[i]);
  free (p->v);
  json_decref (p->steps);
  json_decref (p->notes);
  memset (p, 0, sizeof *p);
}

void
ow_plan_drop_last (struct ow_plan *p)
{
  if (p->n > 0)
    change_free (&p->v[--p->n]);
}

static struct ow_change *
new_change (struct ow_plan *p, enum ow_change_kind kind, const char *step)
{
  struct ow_change *c;

  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    struct ow_change *v = realloc (p->v, cap * sizeof *v);
    if (v == NULL) {
      ow_err (ENOMEM, "out of memory");
      return NULL;
    }
    p->v = v;
    p->cap = cap;
  }
  c = &p->v[p->n];
  memset (c, 0, sizeof *c);
  c->source_fd = -1;
  c->kind = kind;
  c->step = strdup (step);
  if (c->step == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  p->n++;
  return c;
}

static void *
dup_bytes (const void *d, size_t len)
{
  void *r = malloc (len ? len : 1);
  if (r && len)
    memcpy (r, d, len);
  return r;
}

static int
reg_change (struct ow_plan *p, enum ow_change_kind kind, const char *step,
            const char *hive_name, const char *key, const char *value,
            uint32_t old_type, void *old, size_t old_len, bool had_old)
{
  struct ow_change *c = new_change (p, kind, step);

  if (c == NULL) {
    free (old);
    return -1;
  }
  c->hive = strdup (hive_name);
  c->key = strdup (key);
  c->value = value ? strdup (value) : NULL;
  c->had_old = had_old;
  c->old_type = old_type;
  c->old_data = old;
  c->old_len = old_len;
  if (c->hive == NULL || c->key == NULL || (value && c->value == NULL))
    return ow_err (ENOMEM, "out of memory");
  return 0;
}

int
ow_plan_reg_set (struct ow_plan *p, const char *step, struct ow_hive *hv,
                 const char *hive_name, const char *key, const char *value,
                 uint32_t type, const void *data, size_t len)
{
  uint32_t t = 0;
  void *old = NULL;
  size_t old_len = 0;
  int r = ow_hive_get_raw (hv, key, value, &t, &old, &old_len);
  struct ow_change *c;

  if (r == -1)
    return -1;
  if (r == 1 && t == type && old_len == len && memcmp (old, data, len) == 0) {
    free (old);
    return 0;
  }
  if (reg_change (p, OW_CH_REG_SET, step, hive_name, key, value, t, old, old_len, r == 1) == -1)
    return -1;
  c = &p->v[p->n - 1];
  c->new_type = type;
  c->new_len = len;
  c->new_data = dup_bytes (data, len);
  if (c->new_data == NULL)
    return ow_err (ENOMEM, "out of memory");
  return 0;
}

int
ow_plan_reg_set_dword (struct ow_plan *p, const char *step, struct ow_hive *hv,
                       const char *hive_name, const char *key, const char *value,
                       uint32_t v)
{
  uint8_t b[4];

  ow_reg_encode_dword (v, b);
  return ow_plan_reg_set (p, step, hv, hive_name, key, value, OW_REG_DWORD, b, 4);
}

int
ow_plan_reg_set_string (struct ow_plan *p, const char *step, struct ow_hive *hv,
                        const char *hive_name, const char *key, const char *value,
                        uint32_t type, const char *utf8)
{
  size_t len;
  void *d = ow_reg_encode_sz (utf8, &len);
  int r;

  if (d == NULL)
    return ow_err (errno, "encoding %s\\%s: %m", key, value);
  r = ow_plan_reg_set (p, step, hv, hive_name, key, value, type, d, len);
  free (d);
  return r;
}

int
ow_plan_reg_set_multi (struct ow_plan *p, const char *step, struct ow_hive *hv,
                       const char *hive_name, const char *key, const char *value,
                       const char *const *strs, size_t n)
{
  size_t len;
  void *d = ow_reg_encode_multi_sz (strs, n, &len);
  int r;

  if (d == NULL)
    return ow_err (errno, "encoding %s\\%s: %m", key, value);
  r = ow_plan_reg_set (p, step, hv, hive_name, key, value, OW_REG_MULTI_SZ, d, len);
  free (d);
  return r;
}

int
ow_plan_reg_delete (struct ow_plan *p, const char *step, struct ow_hive *hv,
                    const char *hive_name, const char *key, const char *value)
{
  uint32_t t = 0;
  void *old = NULL;
  size_t old_len = 0;
  int r = ow_hive_get_raw (hv, key, value, &t, &old, &old_len);

  if (r <= 0)
    return r;
  return reg_change (p, OW_CH_REG_DELETE, step, hive_name, key, value, t, old, old_len, true);
}

int
ow_plan_reg_delete_key (struct ow_plan *p, const char *step, struct ow_hive *hv,
                        const char *hive_name, const char *key)
{
  int r = ow_hive_key_exists (hv, key);

  if (r <= 0)
    return r;
  return reg_change (p, OW_CH_REG_DELETE_KEY, step, hive_name, key, NULL, 0, NULL, 0, true);
}

/* 1 if PATH on VOL already holds exactly CONTENT. */
static int
same_file (struct ow_volume *vol, const char *path, const void *content, size_t len)
{
  void *cur = NULL;
  size_t curlen = 0;
  uint64_t size;
  int r = ow_path_exists (vol, path);

  if (r <= 0)
    return r;
  if (ow_file_size (vol, path, &size) == -1)
    return -1;
  if (size != len)
    return 0;
  if (ow_file_read (vol, path, MAX_COMPARE_FILE, &cur, &curlen) == -1)
    return errno == EFBIG ? 0 : -1;
  r = curlen == len && memcmp (cur, content, len) == 0;
  free (cur);
  return r;
}

int
ow_plan_file_write (struct ow_plan *p, const char *step, struct ow_volume *vol,
                    const char *path, const void *content, size_t len)
{
  struct ow_change *c;
  int r = same_file (vol, path, content, len);

  if (r == -1)
    return -1;
  if (r == 1)
    return 0;
  c = new_change (p, OW_CH_FILE_WRITE, step);
  if (c == NULL)
    return -1;
  c->had_old = ow_path_exists (vol, path) == 1;
  c->path = strdup (path);
  c->content = dup_bytes (content, len);
  c->content_len = len;
  if (c->path == NULL || c->content == NULL)
    return ow_err (ENOMEM, "out of memory");
  return 0;
}

int
ow_plan_file_copy (struct ow_plan *p, const char *step, struct ow_volume *vol,
                   const char *path, int fd, const char *name)
{
  void *buf = NULL;
  size_t len, got = 0;
  struct stat st;
  int r = -1;

  if (fstat (fd, &st) == -1)
    return ow_err (errno, "%s: %m", name);
  if (!S_ISREG (st.st_mode))
    return ow_err (EINVAL, "%s: not a regular file", name);
  if ((uint64_t) st.st_size > MAX_COMPARE_FILE)
    return ow_err (EFBIG, "%s: too large", name);
  /* Read to compare with what the image has; the write streams from the
   * plan's own descriptor, so memory use ends with planning. */
  len = (size_t) st.st_size;
  buf = malloc (len ? len : 1);
  if (buf == NULL)
    return ow_err (ENOMEM, "out of memory");
  while (got < len) {
    ssize_t n = pread (fd, (char *) buf + got, len - got, (off_t) got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ow_err (n < 0 ? errno : EIO, "%s: cannot read%s", name, n < 0 ? "" : ": file shrank");
      goto out;
    }
    got += (size_t) n;
  }
  r = same_file (vol, path, buf, len);
  if (r == 1) {
    r = 0;
    goto out;
  }
  if (r == 0) {
    struct ow_change *c = new_change (p, OW_CH_FILE_WRITE, step);
    r = -1;
    if (c == NULL)
      goto out;
    c->had_old = ow_path_exists (vol, path) == 1;
    c->path = strdup (path);
    c->source = strdup (name);
    c->source_len = len;
    if (c->path == NULL || c->source == NULL) {
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
    c->source_fd = fcntl (fd, F_DUPFD_CLOEXEC, 0);
    if (c->source_fd == -1) {
      ow_err (errno, "%s: %m", name);
      goto out;
    }
    r = 0;
  }
 out:
  free (buf);
  return r;
}

int
ow_plan_file_delete (struct ow_plan *p, const char *step, struct ow_volume *vol,
                     const char *path)
{
  struct ow_change *c;
  int r = ow_path_exists (vol, path);

  if (r <= 0)
    return r;
  c = new_change (p, OW_CH_FILE_DELETE, step);
  if (c == NULL)
    return -1;
  c->had_old = true;
  c->path = strdup (path);
  if (c->path == NULL)
    return ow_err (ENOMEM, "out of memory");
  return 0;
}

static const char *
status_name (enum ow_step_status st)
{
  switch (st) {
  case OW_STEP_OK: return "planned";
  case OW_STEP_NOTHING_TO_DO: return "nothing-to-do";
  case OW_STEP_FAILED: return "failed";
  default: return "skipped";
  }
}

void
ow_plan_step (struct ow_plan *p, const char *step, enum ow_step_status st,
              const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) == -1)
    msg = NULL;
  va_end (ap);
  json_array_append_new (p->steps, json_pack ("{s:s, s:s, s:s}", "step", step,
                                              "status", status_name (st),
                                              "message", msg ? msg : ""));
  free (msg);
}

void
ow_plan_note (struct ow_plan *p, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) == -1)
    msg = NULL;
  va_end (ap);
  if (msg)
    json_array_append_new (p->notes, json_string (msg));
  free (msg);
}
