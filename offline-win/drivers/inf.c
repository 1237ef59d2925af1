/* SPDX-License-Identifier: GPL-3.0-or-later */
/* INF text -> sections of lines (learn.microsoft.com, "General Syntax Rules
 * for INF Files"; docs/drivers.md): ';' starts a comment outside quotes,
 * '\' as the last character continues a line, "..." quotes with "" for a
 * quote, fields split at unquoted commas, section names case-insensitive
 * and repeated sections merged, %strkey% replaced from [Strings] ("%%" is a
 * '%'; %N% with N a number is a DIRID and is kept for the installer). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "inf.h"

struct section {
  char *name;
  struct ow_inf_line *lines;
  size_t nlines, alloc;
  int strings_rank;       /* 0 Strings.0409, 1 Strings, 2 Strings.*, -1 not */
};

struct string_ent {
  const char *key, *value;  /* raw [Strings] text (owned by the lines) */
  int rank;
  size_t order;
};

struct ow_inf {
  char *name;
  struct section *secs;
  size_t nsecs, alloc;
  size_t *hash;           /* open addressing: section index + 1, 0 = empty */
  size_t hsize;
  struct string_ent *strs;
  size_t nstrs;
  size_t nlines;
};

/* ---- growable byte buffer ---------------------------------------------- */

struct buf {
  char *p;
  size_t len, alloc;
};

static int
buf_add (struct buf *b, const char *s, size_t n, size_t cap)
{
  if (b->len + n > cap)
    return -2;
  if (b->len + n + 1 > b->alloc) {
    size_t a = b->alloc ? b->alloc : 128;
    char *p;

    while (a < b->len + n + 1)
      a *= 2;
    p = realloc (b->p, a);
    if (p == NULL)
      return -1;
    b->p = p;
    b->alloc = a;
  }
  memcpy (b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

/* ---- growable arrays ------------------------------------------------------ */

/* The capacity an array grown only by ow_inf_grow has with N elements. */
static size_t
capacity (size_t n)
{
  size_t c = 4;

  if (n == 0)
    return 0;
  while (c < n)
    c *= 2;
  return c;
}

int
ow_inf_grow (void *vp, size_t old, size_t new, size_t size)
{
  void **v = vp, *p;
  size_t c = capacity (new);

  if (new <= capacity (old) && *v != NULL)
    return 0;
  if (c > SIZE_MAX / size)
    return ow_err (ENOMEM, "INF: an array of %zu elements is too large", new);
  p = realloc (*v, c * size);
  if (p == NULL)
    return ow_err (ENOMEM, "INF: out of memory");
  *v = p;
  return 0;
}

/* ---- sections ------------------------------------------------------------ */

static size_t
name_hash (const char *s)
{
  size_t h = 2166136261u;

  for (; *s; s++)
    h = (h ^ (unsigned char) tolower ((unsigned char) *s)) * 16777619u;
  return h;
}

static ssize_t
find_section (const struct ow_inf *inf, const char *name)
{
  if (inf->hsize == 0)
    return -1;
  for (size_t i = name_hash (name) & (inf->hsize - 1); inf->hash[i];
       i = (i + 1) & (inf->hsize - 1))
    if (strcasecmp (inf->secs[inf->hash[i] - 1].name, name) == 0)
      return (ssize_t) (inf->hash[i] - 1);
  return -1;
}

static void
hash_insert (struct ow_inf *inf, size_t idx)
{
  size_t i = name_hash (inf->secs[idx].name) & (inf->hsize - 1);

  while (inf->hash[i])
    i = (i + 1) & (inf->hsize - 1);
  inf->hash[i] = idx + 1;
}

static int
strings_rank (const char *name)
{
  if (strncasecmp (name, "Strings", 7) != 0)
    return -1;
  if (name[7] == '\0')
    return 1;
  if (name[7] != '.')
    return -1;
  /* US English, the locale we read descriptions in (0409 or 0x0409). */
  if (strcasecmp (name + 8, "0409") == 0 || strcasecmp (name + 8, "0x0409") == 0)
    return 0;
  return 2;
}

/* The section NAME, created if new. */
static struct section *
get_section (struct ow_inf *inf, const char *name, unsigned lineno)
{
  ssize_t i = find_section (inf, name);
  struct section *s;

  if (i >= 0)
    return &inf->secs[i];
  if (inf->nsecs >= OW_INF_MAX_SECTIONS) {
    ow_err (E2BIG, "%s line %u: more than %d sections", inf->name, lineno,
            OW_INF_MAX_SECTIONS);
    return NULL;
  }
  if (inf->nsecs == inf->alloc) {
    size_t a = inf->alloc ? inf->alloc * 2 : 16;
    struct section *p = realloc (inf->secs, a * sizeof *p);

    if (p == NULL)
      goto nomem;
    inf->secs = p;
    inf->alloc = a;
  }
  /* Keep the hash at most half full. */
  if ((inf->nsecs + 1) * 2 > inf->hsize) {
    size_t hs = inf->hsize ? inf->hsize * 2 : 64;
    size_t *h = calloc (hs, sizeof *h);

    if (h == NULL)
      goto nomem;
    free (inf->hash);
    inf->hash = h;
    inf->hsize = hs;
    for (size_t k = 0; k < inf->nsecs; k++)
      hash_insert (inf, k);
  }
  s = &inf->secs[inf->nsecs];
  memset (s, 0, sizeof *s);
  s->name = strdup (name);
  if (s->name == NULL)
    goto nomem;
  s->strings_rank = strings_rank (name);
  hash_insert (inf, inf->nsecs++);
  return s;
nomem:
  ow_err (ENOMEM, "%s: out of memory", inf->name);
  return NULL;
}

static void
free_line (struct ow_inf_line *l)
{
  free (l->key);
  for (size_t i = 0; i < l->nfields; i++)
    free (l->fields[i]);
  free (l->fields);
}

void
ow_inf_free (struct ow_inf *inf)
{
  if (inf == NULL)
    return;
  for (size_t i = 0; i < inf->nsecs; i++) {
    for (size_t k = 0; k < inf->secs[i].nlines; k++)
      free_line (&inf->secs[i].lines[k]);
    free (inf->secs[i].lines);
    free (inf->secs[i].name);
  }
  free (inf->secs);
  free (inf->hash);
  free (inf->strs);
  free (inf->name);
  free (inf);
}

/* ---- one logical line -> key and fields ----------------------------------- */

static int
add_field (struct ow_inf_line *l, struct buf *f, const char *infname)
{
  char **p;

  if (l->nfields >= OW_INF_MAX_FIELDS)
    return ow_err (E2BIG, "%s line %u: more than %d fields", infname, l->lineno,
                   OW_INF_MAX_FIELDS);
  p = ow_inf_grow (&l->fields, l->nfields, l->nfields + 1, sizeof *p) == 0 ? l->fields : NULL;
  if (p == NULL)
    return ow_err (ENOMEM, "%s: out of memory", infname);
  l->fields = p;
  l->fields[l->nfields] = f->p ? f->p : strdup ("");
  if (l->fields[l->nfields] == NULL)
    return ow_err (ENOMEM, "%s: out of memory", infname);
  l->nfields++;
  f->p = NULL;
  f->len = f->alloc = 0;
  return 0;
}

/* Split TEXT (comments and continuations already gone) into L.  Blanks
 * around a field go, blanks inside quotes stay.  WHOLE: the value is one
 * field (a [Strings] line: commas are text). */
static int
split_line (const char *text, bool whole, struct ow_inf_line *l, const char *infname)
{
  struct buf f = { 0 };
  size_t keep = 0;        /* f.len up to the last significant character */
  bool quoted = false, have_key = false;

  for (const char *p = text; ; p++) {
    char c = *p;

    if (c == '"') {
      if (quoted && p[1] == '"') {
        if (buf_add (&f, "\"", 1, SIZE_MAX) == -1)
          goto nomem;
        keep = f.len;
        p++;
      }
      else {
        quoted = !quoted;
        if (f.p == NULL && buf_add (&f, "", 0, SIZE_MAX) == -1)
          goto nomem;      /* "" is an empty field, not a missing one */
      }
      continue;
    }
    if (c == '\0' || (!quoted && c == ',' && !(whole && have_key))
        || (!quoted && c == '=' && !have_key)) {
      if (f.p)
        f.p[keep] = '\0', f.len = keep;
      if (c == '=') {
        l->key = f.p ? f.p : strdup ("");
        if (l->key == NULL)
          goto nomem;
        f.p = NULL;
        f.len = f.alloc = 0;
        have_key = true;
      }
      else if (add_field (l, &f, infname) == -1) {
        free (f.p);
        return -1;
      }
      keep = 0;
      if (c == '\0')
        break;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t') && f.len == 0 && f.p == NULL)
      continue;                         /* leading blanks */
    if (buf_add (&f, p, 1, SIZE_MAX) == -1)
      goto nomem;
    if (quoted || (c != ' ' && c != '\t'))
      keep = f.len;
  }
  /* "a, b" with no '=': the key stays NULL and the fields are the line. */
  return 0;
nomem:
  free (f.p);
  return ow_err (ENOMEM, "%s: out of memory", infname);
}

static int
add_line (struct ow_inf *inf, struct section *s, const char *text, unsigned lineno)
{
  struct ow_inf_line l = { .lineno = lineno };

  if (inf->nlines >= OW_INF_MAX_LINES)
    return ow_err (E2BIG, "%s line %u: more than %d lines", inf->name, lineno,
                   OW_INF_MAX_LINES);
  if (split_line (text, s->strings_rank >= 0, &l, inf->name) == -1) {
    free_line (&l);
    return -1;
  }
  if (s->nlines == s->alloc) {
    size_t a = s->alloc ? s->alloc * 2 : 8;
    struct ow_inf_line *p = realloc (s->lines, a * sizeof *p);

    if (p == NULL) {
      free_line (&l);
      return ow_err (ENOMEM, "%s: out of memory", inf->name);
    }
    s->lines = p;
    s->alloc = a;
  }
  s->lines[s->nlines++] = l;
  inf->nlines++;
  return 0;
}

/* ---- the file -> logical lines ------------------------------------------- */

static int
read_lines (struct ow_inf *inf, const char *text)
{
  struct buf line = { 0 };
  struct section *cur = NULL;
  const char *p = text;
  unsigned lineno = 0, start = 0;
  int r;

  while (*p) {
    const char *eol = strchr (p, '\n'), *end, *cut;
    bool quoted = false, cont = false;

    if (eol == NULL)
      eol = p + strlen (p);
    lineno++;
    if (line.len == 0)
      start = lineno;
    /* Comment: ';' outside quotes. */
    for (cut = p; cut < eol; cut++) {
      if (*cut == '"')
        quoted = !quoted;
      else if (*cut == ';' && !quoted)
        break;
    }
    end = cut;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
      end--;
    if (quoted) {
      free (line.p);
      return ow_err (EINVAL, "%s line %u: a quote that is not closed", inf->name, lineno);
    }
    if (end > p && end[-1] == '\\') {
      cont = true;
      end--;
    }
    r = buf_add (&line, p, (size_t) (end - p), OW_INF_MAX_LINE);
    if (r == 0 && line.p == NULL)
      r = buf_add (&line, "", 0, OW_INF_MAX_LINE);
    if (r == -2) {
      free (line.p);
      return ow_err (E2BIG, "%s line %u: a line longer than %d bytes", inf->name, start,
                     OW_INF_MAX_LINE);
    }
    if (r == -1)
      goto nomem;
    p = *eol ? eol + 1 : eol;
    if (cont && *p)
      continue;
    /* A complete logical line. */
    {
      char *t = line.p;

      while (*t == ' ' || *t == '\t')
        t++;
      if (*t == '[') {
        char *close = strchr (t, ']');
        char *n = t + 1, *e;

        if (close == NULL) {
          free (line.p);
          return ow_err (EINVAL, "%s line %u: a section name without ']'", inf->name, start);
        }
        e = close;
        while (*n == ' ' || *n == '\t')
          n++;
        while (e > n && (e[-1] == ' ' || e[-1] == '\t'))
          e--;
        *e = '\0';
        cur = get_section (inf, n, start);
        if (cur == NULL) {
          free (line.p);
          return -1;
        }
      }
      else if (*t && cur != NULL) {
        if (add_line (inf, cur, t, start) == -1) {
          free (line.p);
          return -1;
        }
      }
      /* (Lines before the first section are ignored, as Windows does.) */
    }
    line.len = 0;
    line.p[0] = '\0';
  }
  free (line.p);
  return 0;
nomem:
  free (line.p);
  return ow_err (ENOMEM, "%s: out of memory", inf->name);
}

/* ---- [Strings] and substitution -------------------------------------------- */

static int
cmp_str (const void *a, const void *b)
{
  const struct string_ent *x = a, *y = b;
  int c = strcasecmp (x->key, y->key);

  if (c)
    return c;
  if (x->rank != y->rank)
    return x->rank - y->rank;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int
index_strings (struct ow_inf *inf)
{
  size_t n = 0, k = 0;

  for (size_t i = 0; i < inf->nsecs; i++)
    if (inf->secs[i].strings_rank >= 0)
      n += inf->secs[i].nlines;
  if (n == 0)
    return 0;
  inf->strs = malloc (n * sizeof *inf->strs);
  if (inf->strs == NULL)
    return ow_err (ENOMEM, "%s: out of memory", inf->name);
  for (size_t i = 0; i < inf->nsecs; i++) {
    const struct section *s = &inf->secs[i];

    if (s->strings_rank < 0)
      continue;
    for (size_t j = 0; j < s->nlines; j++)
      if (s->lines[j].key) {
        inf->strs[k] = (struct string_ent) {
          .key = s->lines[j].key,
          .value = s->lines[j].nfields ? s->lines[j].fields[0] : "",
          .rank = s->strings_rank, .order = k,
        };
        k++;
      }
  }
  inf->nstrs = k;
  qsort (inf->strs, k, sizeof *inf->strs, cmp_str);
  return 0;
}

const char *
ow_inf_string (const struct ow_inf *inf, const char *key)
{
  size_t lo = 0, hi = inf->nstrs;

  /* The first entry with KEY: the best rank, then the first in the file. */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;

    if (strcasecmp (inf->strs[mid].key, key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < inf->nstrs && strcasecmp (inf->strs[lo].key, key) == 0)
    return inf->strs[lo].value;
  return NULL;
}

static bool
all_digits (const char *s, size_t n)
{
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isdigit ((unsigned char) s[i]))
      return false;
  return true;
}

/* Append S with its %tokens% replaced to OUT.  A '%' with no closing one
 * is kept as text (a "100%" in a description). */
static int
expand (const struct ow_inf *inf, const char *s, unsigned depth, unsigned lineno,
        struct buf *out)
{
  int r;

  if (depth > OW_INF_MAX_SUBST_DEPTH)
    return ow_err (ELOOP, "%s line %u: %%strkey%% substitution deeper than %d "
                   "(a string that refers to itself?)", inf->name, lineno,
                   OW_INF_MAX_SUBST_DEPTH);
  while (*s) {
    const char *pct = strchr (s, '%'), *close;

    if (pct == NULL)
      pct = s + strlen (s);
    if ((r = buf_add (out, s, (size_t) (pct - s), OW_INF_MAX_LINE)) != 0)
      goto add_failed;
    if (*pct == '\0')
      break;
    close = strchr (pct + 1, '%');
    if (close == NULL) {
      if ((r = buf_add (out, pct, strlen (pct), OW_INF_MAX_LINE)) != 0)
        goto add_failed;
      break;
    }
    if (close == pct + 1)
      r = buf_add (out, "%", 1, OW_INF_MAX_LINE);
    else if (all_digits (pct + 1, (size_t) (close - pct - 1)))
      r = buf_add (out, pct, (size_t) (close - pct + 1), OW_INF_MAX_LINE);
    else {
      size_t n = (size_t) (close - pct - 1);
      char *key = strndup (pct + 1, n);
      const char *v;

      if (key == NULL)
        return ow_err (ENOMEM, "%s: out of memory", inf->name);
      v = ow_inf_string (inf, key);
      if (v == NULL) {
        ow_err (ENOENT, "%s line %u: string key %%%s%% is not defined in [Strings]",
                inf->name, lineno, key);
        free (key);
        return -1;
      }
      free (key);
      if (expand (inf, v, depth + 1, lineno, out) == -1)
        return -1;
      r = 0;
    }
    if (r != 0)
      goto add_failed;
    s = close + 1;
  }
  return 0;
add_failed:
  if (r == -2)
    return ow_err (E2BIG, "%s line %u: substituted line longer than %d bytes",
                   inf->name, lineno, OW_INF_MAX_LINE);
  return ow_err (ENOMEM, "%s: out of memory", inf->name);
}

static int
expand_in_place (const struct ow_inf *inf, char **s, unsigned lineno)
{
  struct buf out = { 0 };

  if (*s == NULL || strchr (*s, '%') == NULL)
    return 0;
  if (expand (inf, *s, 0, lineno, &out) == -1) {
    free (out.p);
    return -1;
  }
  if (out.p == NULL && (out.p = strdup ("")) == NULL)
    return ow_err (ENOMEM, "%s: out of memory", inf->name);
  free (*s);
  *s = out.p;
  return 0;
}

static int
substitute (struct ow_inf *inf)
{
  for (size_t i = 0; i < inf->nsecs; i++) {
    struct section *s = &inf->secs[i];

    if (s->strings_rank >= 0)
      continue;
    for (size_t j = 0; j < s->nlines; j++) {
      struct ow_inf_line *l = &s->lines[j];

      if (expand_in_place (inf, &l->key, l->lineno) == -1)
        return -1;
      for (size_t k = 0; k < l->nfields; k++)
        if (expand_in_place (inf, &l->fields[k], l->lineno) == -1)
          return -1;
    }
  }
  return 0;
}

/* ---- public ----------------------------------------------------------------- */

struct ow_inf *
ow_inf_parse (const char *name, const void *buf, size_t len)
{
  struct ow_inf *inf = calloc (1, sizeof *inf);
  char *text = NULL;

  if (inf == NULL || (inf->name = strdup (name)) == NULL) {
    free (inf);
    ow_err (ENOMEM, "%s: out of memory", name);
    return NULL;
  }
  text = ow_inf_decode (buf, len);
  if (text == NULL) {
    ow_err_context ("%s", name);
    goto fail;
  }
  if (read_lines (inf, text) == -1 || index_strings (inf) == -1 || substitute (inf) == -1)
    goto fail;
  free (text);
  return inf;
fail:
  free (text);
  ow_inf_free (inf);
  return NULL;
}

const char *
ow_inf_name (const struct ow_inf *inf)
{
  return inf->name;
}

const struct ow_inf_line *
ow_inf_section (const struct ow_inf *inf, const char *name, size_t *nlines)
{
  ssize_t i = find_section (inf, name);

  if (i < 0) {
    *nlines = 0;
    return NULL;
  }
  *nlines = inf->secs[i].nlines;
  /* A present but empty section is not "missing". */
  return inf->secs[i].lines ? inf->secs[i].lines : (const struct ow_inf_line *) inf;
}

size_t
ow_inf_nsections (const struct ow_inf *inf)
{
  return inf->nsecs;
}

const char *
ow_inf_section_name (const struct ow_inf *inf, size_t i)
{
  return i < inf->nsecs ? inf->secs[i].name : NULL;
}

const char *
ow_inf_get (const struct ow_inf *inf, const char *section, const char *key)
{
  size_t n;
  const struct ow_inf_line *l = ow_inf_section (inf, section, &n);

  for (size_t i = 0; i < n; i++)
    if (l[i].key && strcasecmp (l[i].key, key) == 0)
      return l[i].nfields ? l[i].fields[0] : "";
  return NULL;
}
