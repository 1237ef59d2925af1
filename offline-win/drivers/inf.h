/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The INF parser and the driver selection (internal API of inf*.c).
 * Facts and sources: docs/drivers.md.
 *
 *   inf-text.c     bytes -> UTF-8 text (UTF-16LE with or without BOM,
 *                  UTF-8 with or without BOM, ANSI as Windows-1252)
 *   inf.c          text -> sections of lines, %strkey% substituted
 *   inf-install.c  one install section -> files, services, registry
 *   inf-addreg.c   one AddReg line -> a registry value
 *   inf-target.c   TargetOSVersion decorations, hardware ID matching
 *   inf-set.c      the INFs of the packages, parsed once; Include= chains
 *   inf-select.c   the set + the image + a hardware ID -> a choice
 *   inf-choice.c   freeing a choice
 *
 * Library error idiom: -1 / NULL with the message set by ow_err*. */
#ifndef OW_INF_H
#define OW_INF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers.h"

/* Limits on hostile INF bytes.  Real INFs are far below them: the largest
 * virtio-win INF (netkvm.inf) is 18 KiB, ~360 lines, ~20 sections; names
 * such as a manufacturer's are at most LINE_LEN (256) characters for
 * Windows ("INF Manufacturer Section"). */
#define OW_INF_MAX_SIZE        (16u << 20) /* bytes of one INF file */
#define OW_INF_MAX_LINE        65536       /* bytes of one logical line */
#define OW_INF_MAX_LINES       200000      /* logical lines of one INF */
#define OW_INF_MAX_SECTIONS    20000       /* distinct sections */
#define OW_INF_MAX_FIELDS      4096        /* comma-separated fields of a line */
#define OW_INF_MAX_SUBST_DEPTH 8           /* %a% whose value holds %b%... */
#define OW_INF_MAX_INCLUDE     8           /* depth of Include= chains */
#define OW_INF_MAX_INFS        4096        /* INFs in one selection set */
#define OW_INF_MAX_UNSUPPORTED 200         /* lines of a choice's `unsupported` */
#define OW_INF_MAX_MODELS      1024        /* models sections of one INF */
#define OW_INF_MAX_FILES       2048        /* files one install section copies */
#define OW_INF_MAX_SERVICES    256         /* services it adds */
#define OW_INF_MAX_REG         4096        /* registry values of one service */
#define OW_INF_MAX_WORK        50000       /* lines an install section may make
                                            * us read (its sections, theirs...) */

/* ---- inf-text.c ------------------------------------------------------ */

/* Decode an INF file to NUL-terminated UTF-8.  UTF-16LE is recognised by
 * its BOM (FF FE) or, without one, by a zero second byte (the first
 * character of an INF is ASCII: '[', ';', a letter or a blank); UTF-8 by
 * its BOM or by being valid UTF-8; anything else is Windows-1252 ("ANSI").
 * Refused: more than OW_INF_MAX_SIZE bytes, an odd UTF-16 length or an
 * unpaired surrogate (a truncated file), a NUL character, UTF-16BE. */
char *ow_inf_decode (const void *buf, size_t len);

/* ---- inf.c: the parsed file ------------------------------------------ */

/* Room for NEW elements of SIZE in the array *(T **) VP that holds OLD.
 * Capacities go 4, 8, 16...: N appends cost O(N) copies (every realloc
 * copies under ASan, and one element at a time made a 4096-field line cost
 * 8 M copies).  An array must only ever grow through here.  -1 (message
 * set) if out of memory, *VP unchanged. */
int ow_inf_grow (void *vp, size_t old, size_t new, size_t size);

struct ow_inf_line {
  unsigned lineno;        /* physical line where the logical line starts */
  char *key;              /* text before an unquoted '=', or NULL */
  char **fields;          /* the values after '=' (or the whole line),
                           * split at unquoted commas, blanks trimmed,
                           * quotes removed, %strkey% substituted; %N%
                           * (a DIRID) and the "%%" escape give '%N%' and
                           * '%' */
  size_t nfields;
};

struct ow_inf;            /* opaque */

/* Parse BUF (LEN bytes, any encoding ow_inf_decode takes).  NAME is for
 * messages ("viostor/w10/amd64/viostor.inf").  Errors name the line:
 * a line over OW_INF_MAX_LINE, a section header without ']', a %strkey%
 * not defined in [Strings], an unterminated '%' or quote, a [Strings]
 * value that refers to itself more than OW_INF_MAX_SUBST_DEPTH deep. */
struct ow_inf *ow_inf_parse (const char *name, const void *buf, size_t len);
void ow_inf_free (struct ow_inf *inf);
const char *ow_inf_name (const struct ow_inf *inf);

/* The lines of section NAME (case-insensitive; repeated sections are
 * merged in file order), or NULL if the INF has no such section. */
const struct ow_inf_line *ow_inf_section (const struct ow_inf *inf, const char *name,
                                          size_t *nlines);
/* Section names in file order (for listing decorated sections). */
size_t ow_inf_nsections (const struct ow_inf *inf);
const char *ow_inf_section_name (const struct ow_inf *inf, size_t i);
/* The first value of KEY in SECTION (case-insensitive), or NULL. */
const char *ow_inf_get (const struct ow_inf *inf, const char *section, const char *key);
/* A string key looked up as %KEY% is: [Strings.0409], then [Strings], then
 * any other [Strings.*] section, in file order.  NULL if undefined. */
const char *ow_inf_string (const struct ow_inf *inf, const char *key);

/* ---- inf-target.c: decorations and IDs --------------------------------- */

/* A parsed TargetOSVersion decoration: NT[arch][.major[.minor[.product
 * [.suite[.build]]]]]; a missing number is 0 (= any). */
struct ow_inf_target {
  char arch[8];           /* "", "x86", "amd64", "arm64", "arm", "ia64" */
  unsigned major, minor, product_type, suite, build;
};
/* Parse DECORATION ("NTamd64.10.0...16299").  -1 if it is not one. */
int ow_inf_parse_target (const char *decoration, struct ow_inf_target *t);

/* The image the drivers are for. */
struct ow_inf_image {
  const char *arch;       /* "amd64", "x86" or "arm64" */
  unsigned major, minor, build;
  unsigned product_type;  /* 1 workstation, 2 domain controller, 3 server */
};

/* NULL if T applies to IMG, else why not ("a newer Windows build"). */
const char *ow_inf_target_misfit (const struct ow_inf_target *t, const struct ow_inf_image *img);
/* <0, 0, >0: T1 is a lower, the same, a higher decoration than T2. */
int ow_inf_target_cmp (const struct ow_inf_target *t1, const struct ow_inf_target *t2);

/* Does an INF model-line ID match the hardware ID the platform needs?
 * 2 = equal, 1 = one is the other plus "&..." components (the more
 * specific SUBSYS/REV form), 0 = no.  Case-insensitive. */
int ow_inf_hwid_match (const char *inf_id, const char *needed);

/* ---- inf-set.c and inf-select.c: the selection ----------------------- */

/* Does PATH (relative to the INF's folder already joined: "viostor/w10/
 * amd64/viostor.sys", '/'-separated) exist in PACKAGE?  Case-insensitive,
 * as ow_drvpkg_find. */
typedef bool (*ow_inf_exists_fn) (void *opaque, const char *package, const char *path);

struct ow_inf_set;        /* every INF of the packages, parsed once */

struct ow_inf_set *ow_inf_set_new (ow_inf_exists_fn exists, void *opaque);
void ow_inf_set_free (struct ow_inf_set *set);
/* Add one INF: PACKAGE (artifact name), PATH inside it, its bytes.  An INF
 * that does not parse is kept with its error, which becomes its rejection
 * reason; -1 only for out of memory or more than OW_INF_MAX_INFS. */
int ow_inf_set_add (struct ow_inf_set *set, const char *package, const char *path,
                    const void *buf, size_t len);

/* One INF of a set (inf-set.c; read by inf-select.c). */
struct ow_inf_entry {
  char *package, *path, *name, *dir;  /* name: lower-case file name; dir: "a/b/" */
  struct ow_inf *inf;     /* NULL: ERROR says why */
  char *error;
  char hash[17];          /* 16 hex digits of the INF bytes' SHA-256 */
};

struct ow_inf_set {
  struct ow_inf_entry *e;
  size_t n;
  ow_inf_exists_fn exists;
  void *opaque;
};

/* The Include= chains of E: every INF of the same package reached goes to
 * INCS (each once); a loop or a chain deeper than OW_INF_MAX_INCLUDE sets
 * *WHY ("an Include loop: a.inf -> b.inf -> a.inf"); a name not in the
 * package adds a line to MISSING.  STACK has OW_INF_MAX_INCLUDE slots,
 * DEPTH is 0.  -1 out of memory. */
int ow_inf_set_includes (const struct ow_inf_set *s, const struct ow_inf_entry *e,
                         const struct ow_inf_entry **stack, size_t depth,
                         const struct ow_inf ***incs, size_t *nincs,
                         char ***missing, size_t *nmissing, char **why);

/* Choose the driver for one hardware ID the target needs (the rule:
 * docs/drivers.md, "Selection").  Returns a new choice (free with
 * ow_drv_choice_free) whose `rejected` says why every other candidate was
 * not taken.  If nothing fits: NULL, errno ENOENT, the message names the
 * hardware ID, and *REJECTED (if not NULL; NULL-terminated, free with
 * ow_strv_free) has one reason per INF or section considered.  Other
 * errno: a real error (out of memory). */
struct ow_drv_choice *ow_inf_choose (struct ow_inf_set *set, const struct ow_inf_image *img,
                                     const char *hwid, char ***rejected);

/* ---- inf-install.c ---------------------------------------------------- */

/* What an INF's chosen install section needs: fills C's files, services,
 * unsupported (appending) from INF (and the INFs it Includes, INCS, NINCS
 * of them: sections named by Needs= are looked up there).  STORE_DIR is
 * what DIRID 13 resolves to ("System32/DriverStore/FileRepository/<name>").
 * INF_DIR is the INF's folder inside the package ("" or "a/b/").  A file
 * without a [SourceDisksFiles] entry or absent from the package makes it
 * return 0 with *REASON set (malloc'd); -1 is a real error. */
int ow_inf_install (const struct ow_inf *inf, const struct ow_inf *const *incs, size_t nincs,
                    const char *install, const char *arch, const char *store_dir,
                    const char *package, const char *inf_dir,
                    ow_inf_exists_fn exists, void *opaque,
                    struct ow_drv_choice *c, char **reason);

/* ---- inf-addreg.c ----------------------------------------------------- */

/* A number as INFs write them (0x hex or decimal, at most 32 bits); -1 if
 * S is not one. */
int ow_inf_number (const char *s, unsigned long *v);
/* One AddReg line (HKR only) into SVC's values: 0 done (or nothing to do:
 * a key-only line whose key a value creates), 1 not applied (*WHY says
 * why, static text), -1 out of memory.  Data is in registry form:
 * REG_SZ / EXPAND_SZ UTF-16LE with the NUL, MULTI_SZ with the final empty
 * string, DWORD 4 bytes LE, binary as the hex bytes given. */
int ow_inf_addreg_line (struct ow_drv_service *svc, const struct ow_inf_line *l,
                        const char **why);

/* Resolve a DIRID ("12", "13", "11", "10") to a directory below the
 * system root, '/'-separated ("System32/drivers"); NULL if we do not
 * support it.  STORE_DIR is DIRID 13's answer. */
const char *ow_inf_dirid (unsigned long dirid, const char *store_dir);

#endif
