/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libofflinewin: offline access to Windows disk images.
 *
 * Error rule: every function returns -1 (or NULL) on failure, sets errno and
 * records a per-thread message naming the operation and its context; read it
 * with ow_error_message().  ow_error_class() tells callers whether the failure
 * means "the disk is unsafe to write" (exit 3 in the CLI) or a plain failure.
 */
#ifndef OFFLINEWIN_H
#define OFFLINEWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------- */

enum ow_error_class {
  OW_ERR_NONE = 0,
  OW_ERR_FAILED = 1,   /* failed; a prepare job is rolled back whole (now or by the next run) */
  OW_ERR_INVALID = 2,  /* bad arguments or job document */
  OW_ERR_UNSAFE = 3,   /* the disk must not be written; left untouched */
};

const char *ow_error_message (void);
enum ow_error_class ow_error_class (void);
int ow_error_errno (void);
void ow_error_clear (void);
/* Verbose debug output on stderr (also enabled by CE_DEBUG=1). */
void ow_set_debug (bool on);

/* ---- disk layer ------------------------------------------------------ */

struct ow_disk;

#define OW_DISK_RDONLY 1u

/* SPEC: a path (image file or block device), "nbd://host[:port]/name" or
 * "nbd+unix:///name?socket=PATH". */
struct ow_disk *ow_disk_open (const char *spec, unsigned flags);
/* An image file or block device already open as FD (the disk owns FD and
 * closes it, also on failure); NAME is for messages.  For callers that
 * open the disk before giving up the right to open it (ce-agent's
 * sandboxed worker). */
struct ow_disk *ow_disk_open_fd (int fd, const char *name, unsigned flags);
/* A disk over a caller-owned memory buffer (tests, fuzzing). */
struct ow_disk *ow_disk_open_memory (void *buf, uint64_t size,
                                     unsigned sector_size, unsigned flags);
/* Wrap DISK so that every write after the first MAX_WRITES fails with EIO
 * (simulated power cut).  The wrapper owns DISK. */
struct ow_disk *ow_disk_open_faulty (struct ow_disk *disk, uint64_t max_writes);
/* Read faults on a disk made by ow_disk_open_faulty (tests): reads that
 * overlap [OFF, OFF+LEN) fail with EIO (up to 64 ranges).  The mode says
 * when: OW_FAULT_ONCE, each range fails only its first hit;
 * OW_FAULT_AFTER_WRITE, only once a write has reached the disk; and each
 * read of a range fails with the chance PERCENT, drawn from SEED
 * (reproducible).  Default: every hit fails. */
#define OW_FAULT_ONCE        1u
#define OW_FAULT_AFTER_WRITE 2u
int ow_disk_faulty_fail_reads (struct ow_disk *disk, uint64_t off, uint64_t len);
int ow_disk_faulty_read_mode (struct ow_disk *disk, unsigned flags, uint64_t seed,
                              unsigned percent);
/* How many reads the faults made fail so far. */
uint64_t ow_disk_faulty_reads_failed (struct ow_disk *disk);
/* A power cut through a simulated write cache: writes are held until a
 * flush; at the cut each held write reaches DISK or not, chosen by a PRNG
 * seeded with SEED (reproducible).  Reads see the held writes. */
struct ow_disk *ow_disk_open_faulty_reorder (struct ow_disk *disk, uint64_t max_writes,
                                             uint64_t seed);
/* Only the NTH write (1-based) fails with EIO; the others succeed. */
struct ow_disk *ow_disk_open_faulty_once (struct ow_disk *disk, uint64_t nth);
int ow_disk_close (struct ow_disk *disk);

int ow_disk_pread (struct ow_disk *disk, void *buf, size_t count, uint64_t off);
int ow_disk_pwrite (struct ow_disk *disk, const void *buf, size_t count,
                    uint64_t off);
int ow_disk_flush (struct ow_disk *disk);
uint64_t ow_disk_size (const struct ow_disk *disk);
unsigned ow_disk_sector_size (const struct ow_disk *disk);
bool ow_disk_readonly (const struct ow_disk *disk);
const char *ow_disk_spec (const struct ow_disk *disk);

struct ow_disk_stats {
  uint64_t bytes_read, bytes_written;
  uint64_t reads, writes;
};
void ow_disk_get_stats (const struct ow_disk *disk, struct ow_disk_stats *st);

/* ---- partitions ------------------------------------------------------ */

enum ow_ptable_scheme { OW_PT_NONE = 0, OW_PT_MBR, OW_PT_GPT };

enum ow_part_role {
  OW_ROLE_UNKNOWN = 0,
  OW_ROLE_DATA,        /* Microsoft basic data / MBR 0x07 (NTFS, exFAT...) */
  OW_ROLE_EFI,         /* EFI system partition */
  OW_ROLE_MSR,         /* Microsoft reserved */
  OW_ROLE_RECOVERY,    /* Windows recovery environment */
  OW_ROLE_EXTENDED,    /* MBR extended container (not a volume) */
  OW_ROLE_LDM,         /* dynamic disk metadata/data */
  OW_ROLE_OTHER,       /* recognised, not Windows (Linux, swap...) */
};

struct ow_partition {
  unsigned number;          /* 1-4 primary, 5+ logical (MBR); 1.. (GPT) */
  uint64_t start;           /* byte offset on the disk */
  uint64_t size;            /* bytes */
  enum ow_part_role role;
  uint8_t mbr_type;         /* MBR system id, 0 for GPT */
  bool bootable;            /* MBR active flag */
  uint8_t type_guid[16];    /* GPT, on-disk (mixed-endian) byte order */
  uint8_t part_guid[16];    /* GPT, on-disk byte order */
  uint64_t gpt_attributes;
  char *name;               /* GPT name as UTF-8, NULL for MBR */
};

struct ow_ptable {
  enum ow_ptable_scheme scheme;
  unsigned sector_size;     /* logical sector size the table was found with */
  uint32_t mbr_signature;   /* disk signature at 0x1B8 */
  uint8_t disk_guid[16];    /* GPT disk GUID, on-disk byte order */
  bool gpt_used_backup;     /* primary GPT header or entries were bad */
  size_t count;
  struct ow_partition *parts;
  size_t nwarnings;
  char **warnings;          /* non-fatal anomalies, human readable */
};

/* Read the partition table.  A disk with no table yields scheme OW_PT_NONE
 * and count 0 (not an error).  Malformed tables fail with EINVAL. */
struct ow_ptable *ow_ptable_read (struct ow_disk *disk);
void ow_ptable_free (struct ow_ptable *pt);
const char *ow_part_role_name (enum ow_part_role role);
/* "xxxxxxxx-xxxx-..." (canonical text form of an on-disk GUID); BUF >= 37. */
void ow_guid_to_string (const uint8_t guid[16], char *buf);

/* ---- file systems and NTFS volumes ---------------------------------- */

enum ow_fs_type {
  OW_FS_UNKNOWN = 0, OW_FS_NTFS, OW_FS_BITLOCKER, OW_FS_FAT, OW_FS_EMPTY,
};
/* Look at the first sector of the volume at START (SIZE bytes). */
int ow_fs_probe (struct ow_disk *disk, uint64_t start, uint64_t size,
                 enum ow_fs_type *type);
const char *ow_fs_type_name (enum ow_fs_type t);

/* Read-only: does PATH ('/'-separated, any case, long names) exist on the
 * FAT12/16/32 volume at START?  1 yes, 0 no, -1 unreadable volume. */
int ow_fat_path_exists (struct ow_disk *disk, uint64_t start, uint64_t size,
                        const char *path);
/* Read the whole file PATH of that FAT volume (at most MAX bytes, else
 * EFBIG; ENOENT if absent). */
int ow_fat_file_read (struct ow_disk *disk, uint64_t start, uint64_t size,
                      const char *path, size_t max, void **buf, size_t *len);

struct ow_volume;

#define OW_VOL_WRITE 1u
/* Open the NTFS volume in the window [START, START+SIZE) of DISK through
 * libntfs-3g (no kernel mount).  Path lookups are case-insensitive.  With
 * OW_VOL_WRITE, every condition that makes writing unsafe (BitLocker,
 * hibernation / Fast Startup, unclean journal, dirty flag, a silent
 * read-only fallback) fails with class OW_ERR_UNSAFE and a message that
 * names the operator's fix. */
struct ow_volume *ow_volume_open (struct ow_disk *disk, uint64_t start,
                                  uint64_t size, unsigned flags);
int ow_volume_close (struct ow_volume *vol);

/* Write safety of a volume opened read-only, without writing anything.
 * Returns 0 and sets *SAFE; when unsafe, *PROBLEM is a short code
 * ("hibernated", "unclean-journal", "dirty") and *MESSAGE the fix
 * (both malloc'd). */
int ow_volume_write_safety (struct ow_volume *vol, bool *safe,
                            char **problem, char **message);
char *ow_volume_label (struct ow_volume *vol);
uint64_t ow_volume_serial (struct ow_volume *vol);

/* Paths use '/' separators, relative to the volume root, any case. */
int ow_path_exists (struct ow_volume *vol, const char *path);     /* 1, 0, -1 */
bool ow_path_is_dir (struct ow_volume *vol, const char *path);
/* The path with each component in its on-disk case, or NULL (ENOENT). */
char *ow_path_real_case (struct ow_volume *vol, const char *path);
/* Names in a directory (without . and ..), NULL-terminated vector. */
char **ow_dir_list (struct ow_volume *vol, const char *path);
/* Read a whole file into memory (at most MAX bytes, else EFBIG). */
int ow_file_read (struct ow_volume *vol, const char *path, size_t max,
                  void **buf, size_t *len);
/* Read up to COUNT bytes from the start; *GOT is what was read. */
int ow_file_read_head (struct ow_volume *vol, const char *path, void *buf,
                       size_t count, size_t *got);
int ow_file_size (struct ow_volume *vol, const char *path, uint64_t *size);

/* ---- registry hives ------------------------------------------------- */

struct ow_hive;

#define OW_HIVE_WRITE 1u
/* Largest hive file we load (real SOFTWARE hives reach a few hundred MiB). */
#define OW_MAX_HIVE_FILE (1024u * 1024 * 1024)

/* Copy the hive file PATH out of VOL into a private in-memory file and
 * open it with hivex (writable with OW_HIVE_WRITE; the volume is never
 * written by this).  A hive hivex rejects fails with EINVAL. */
struct ow_hive *ow_hive_load (struct ow_volume *vol, const char *path,
                              unsigned flags);
/* Open a hive from raw bytes (copied). NAME is used in messages. */
struct ow_hive *ow_hive_from_memory (const void *data, size_t len,
                                     const char *name, unsigned flags);
void ow_hive_close (struct ow_hive *hive);
const char *ow_hive_name (const struct ow_hive *hive);
/* The bytes of the file as loaded (before any edit). */
const void *ow_hive_raw (const struct ow_hive *hive, size_t *len);

/* KEY paths are backslash-separated below the hive root ("Select",
 * "ControlSet001\\Control"), any case.  VALUE "" is the default value.
 * Getters return 1 found, 0 absent (key or value), -1 error (a value of
 * the wrong type or size is an error: EINVAL). */
int ow_hive_key_exists (struct ow_hive *hive, const char *key);
int ow_hive_get_raw (struct ow_hive *hive, const char *key, const char *value,
                     uint32_t *type, void **data, size_t *len);
int ow_hive_get_string (struct ow_hive *hive, const char *key,
                        const char *value, char **out);
int ow_hive_get_dword (struct ow_hive *hive, const char *key,
                       const char *value, uint32_t *out);
int ow_hive_get_multi_string (struct ow_hive *hive, const char *key,
                              const char *value, char ***out);
/* Names of subkeys / values of KEY (NULL-terminated; NULL on error or if
 * the key is absent, with errno ENOENT). */
char **ow_hive_subkeys (struct ow_hive *hive, const char *key);
char **ow_hive_value_names (struct ow_hive *hive, const char *key);

/* ---- writing to volumes ---------------------------------------------- */

/* Every function here needs a volume opened with OW_VOL_WRITE.  Paths are
 * '/'-separated relative to the root, any case for existing components; a
 * new name keeps the case it is given (a replaced file keeps its stored
 * name).  Names ending in ".ce-tmp", ".ce-new" and ".ce-backup", and a
 * prepare job's journal System32/config/CE-JOB.ce-journal (and its commit
 * name CE-JOB.ce-commit), are ours: see docs/crash-safety.md. */

/* Explicit security descriptor: owner Administrators; SYSTEM and
 * Administrators full control, Users read and execute; not inherited from
 * the parent.  Without it new files and directories get the same ACEs but
 * stay open to inheritance (never libntfs-3g's "Everyone: full control"). */
#define OW_WRITE_PROTECTED 1u

/* Create or replace a file with DATA (parent directories must exist).
 * The bytes go to PATH.ce-tmp first and only a complete file is given the
 * name PATH, so PATH never holds partial content. */
int ow_file_write (struct ow_volume *vol, const char *path, const void *data,
                   size_t len, unsigned flags);
/* Same, streaming LEN bytes read from the host file descriptor FD. */
int ow_file_write_fd (struct ow_volume *vol, const char *path, int fd,
                      uint64_t len, unsigned flags);
/* Remove a file or an empty directory (ENOENT if absent, ENOTEMPTY). */
int ow_path_delete (struct ow_volume *vol, const char *path);
/* Create a directory and its missing parents; an existing one is fine. */
int ow_dir_create (struct ow_volume *vol, const char *path, unsigned flags);
/* Write out libntfs-3g's dirty metadata and flush the disk. */
int ow_volume_sync (struct ow_volume *vol);
/* Call before opening, for writing, a volume a write may have been cut
 * short on: libntfs-3g writes the first MFT records to $MFT and then to
 * $MFTMirr, and refuses to mount when a power cut fell between the two.
 * If every differing $MFT record is intact, it is copied over the mirror
 * (what chkdsk and ntfsfix do).  0 nothing to do, 1 repaired, -1 error
 * (class OW_ERR_UNSAFE when $MFT itself is damaged). */
int ow_volume_repair_mirror (struct ow_disk *disk, uint64_t start, uint64_t size);
/* Without writing: 0 when $MFTMirr matches $MFT, 1 when it is stale and
 * every differing $MFT record is intact (what ow_volume_repair_mirror
 * would repair), -1 on error (class OW_ERR_UNSAFE when a differing $MFT
 * record is damaged). */
int ow_volume_mirror_state (struct ow_disk *disk, uint64_t start, uint64_t size);
/* A read-only view of DISK (which stays the caller's and must outlive
 * it) in which the NTFS volumes whose mirror is stale but repairable
 * (ow_volume_mirror_state 1) read their $MFTMirr as their $MFT, so that
 * libntfs-3g mounts them read-only: how the prepare engine reaches a
 * verdict on a volume an interrupted run left with a stale mirror,
 * before anything is written.  *STALE gets a bit per such partition
 * (1 << number, numbers below 64). */
struct ow_disk *ow_disk_open_mirror_view (struct ow_disk *disk, uint64_t *stale);

/* Swap a new hive into place crash-safely (docs/crash-safety.md): DATA must
 * be a clean regf hive hivex opens.  Written as <HIVE>.ce-tmp, renamed
 * <HIVE>.ce-new when complete; the original is kept as <HIVE>.ce-backup (a
 * hard link; an existing backup from an earlier swap of the same job is
 * kept, it is the older original); the new inode takes the name <HIVE>;
 * then the hive's transaction logs (<HIVE>.LOG, .LOG1, .LOG2, any case)
 * are zeroed in place so no stale entry can ever be replayed over it. */
int ow_hive_swap_in (struct ow_volume *vol, const char *hive_path,
                     const void *data, size_t len);
/* Find and finish (or roll back) an interrupted swap of HIVE_PATH; call it
 * before planning.  0 nothing to do, 1 repaired (*WHAT, malloc'd, says
 * what was done), -1 error.  WHAT may be NULL. */
int ow_hive_swap_recover (struct ow_volume *vol, const char *hive_path,
                          char **what);
/* After the job completed: remove <HIVE>.ce-backup (0 also if absent). */
int ow_hive_backup_remove (struct ow_volume *vol, const char *hive_path);

/* ---- UTF-16 and registry values -------------------------------------- */

/* UTF-16LE (LEN bytes, not necessarily terminated) -> NUL-terminated UTF-8.
 * Stops at the first NUL code unit.  Invalid surrogates become U+FFFD. */
char *ow_utf16le_to_utf8 (const void *buf, size_t len);
/* UTF-8 -> UTF-16LE with a terminating NUL code unit; *OUTLEN in bytes
 * (including the terminator).  Invalid UTF-8 fails with EILSEQ. */
void *ow_utf8_to_utf16le (const char *s, size_t *outlen);

/* Registry value types (winnt.h numbering). */
enum {
  OW_REG_NONE = 0, OW_REG_SZ = 1, OW_REG_EXPAND_SZ = 2, OW_REG_BINARY = 3,
  OW_REG_DWORD = 4, OW_REG_DWORD_BIG_ENDIAN = 5, OW_REG_LINK = 6,
  OW_REG_MULTI_SZ = 7, OW_REG_QWORD = 11,
};

/* Decode raw value data.  REG_SZ / REG_EXPAND_SZ: UTF-16LE, terminator
 * optional (Windows tolerates its absence), odd trailing byte ignored.
 * REG_MULTI_SZ: returns a NULL-terminated vector of UTF-8 strings (free
 * with ow_strv_free), *COUNT strings; an empty string ends the list.
 * DWORD/QWORD: exactly 4/8 bytes, else EINVAL. */
char *ow_reg_decode_sz (const void *data, size_t len);
char **ow_reg_decode_multi_sz (const void *data, size_t len, size_t *count);
int ow_reg_decode_dword (const void *data, size_t len, uint32_t *out);
int ow_reg_decode_qword (const void *data, size_t len, uint64_t *out);
/* Encode: caller frees the result; *LEN in bytes. */
void *ow_reg_encode_sz (const char *utf8, size_t *len);
void *ow_reg_encode_multi_sz (const char *const *strs, size_t n, size_t *len);
void ow_reg_encode_dword (uint32_t v, uint8_t out[4]);
void ow_reg_encode_qword (uint64_t v, uint8_t out[8]);
void ow_strv_free (char **v);

/* ---- job documents ---------------------------------------------------- */

/* The job document of DESIGN.md (IPS field names), shared by ce-offline
 * --job and POST /v1/jobs.  Parsing is strict: unknown fields are refused
 * by name, type errors with their JSON path ("$.xdReconfigure[1].ParameterValue"),
 * and the seed's rules are checked (installMisa needs Mcs, installPvs needs
 * Pvs, xdReconfigure names and values).  Errors have class OW_ERR_INVALID. */
struct ow_job;
struct ow_job *ow_job_parse (const char *text, size_t len);
void ow_job_free (struct ow_job *job);
const char *ow_job_type (const struct ow_job *job);   /* "prepare", ... */
const char *ow_job_disk (const struct ow_job *job);   /* NULL if absent */
bool ow_job_dry_run (const struct ow_job *job);
/* The validated document as compact JSON text (malloc'd). */
char *ow_job_to_text (const struct ow_job *job);

/* ---- prepare ----------------------------------------------------------- */

struct ow_prepare_options {
  bool dry_run;                 /* plan only (also when the job says dryRun) */
  bool temp_disk;               /* the CE's VM size has a temporary resource disk */
  const char *const *artifacts; /* NULL-terminated "NAME=PATH" strings */
  bool host_dirs;               /* a "drivers" artifact may be a host directory
                                 * (ce-offline: unpinned, said in the plan) */
  /* Progress: called with a percentage and the step being worked on. */
  void (*progress) (void *opaque, int percent, const char *step);
  void *opaque;
  /* Set to non-zero (from another thread) to stop at the next safe point. */
  volatile int *cancel;
};

/* Run a prepare job on DISK: validate the job against the disk, build the
 * complete plan, and (unless dry run) apply it crash-safely.  *RESULT gets
 * the result document (plan or change list, steps, notes) as JSON text,
 * also on most failures.  Returns 0, or -1 with the error class telling
 * why: OW_ERR_INVALID (job cannot be done as asked; nothing written),
 * OW_ERR_UNSAFE (disk refused; untouched), OW_ERR_FAILED. */
int ow_prepare (const char *disk_spec, const struct ow_job *job,
                const struct ow_prepare_options *opts, char **result);
/* The same on a disk the caller opened (and closes): e.g. one wrapped by
 * ow_disk_open_faulty in the power-cut tests. */
int ow_prepare_disk (struct ow_disk *disk, const struct ow_job *job,
                     const struct ow_prepare_options *opts, char **result);

/* ---- inspection ------------------------------------------------------ */

/* Inspect DISK (see ow_disk_open) read-only: partitions, volumes, Windows
 * installations, hives, write safety.  Returns the JSON document that
 * `ce-offline inspect --json` prints (malloc'd, NUL-terminated), or NULL
 * with the error set. */
char *ow_inspect_json (const char *disk_spec);
/* The same on a disk the caller opened (and closes). */
char *ow_inspect_json_disk (struct ow_disk *disk);

/* ---- export ---- */

/* Zeroed options mean VHDX, the IPS default (VhdxDiskFormat). */
enum ow_export_format {
  OW_EXPORT_VHDX = 0,      /* dynamic VHDX (MS-VHDX) */
  OW_EXPORT_VHD,           /* fixed VHD, size rounded up to a whole MiB (Azure) */
  OW_EXPORT_VHD_DYNAMIC,   /* dynamic VHD */
  OW_EXPORT_RAW,           /* sparse raw image */
  OW_EXPORT_QCOW2,         /* through qemu-img convert from our sparse raw */
  OW_EXPORT_VMDK,          /* streamOptimized, through qemu-img convert */
};

/* "raw", "vhdx", "vhd", "vhd-dynamic", "qcow2", "vmdk". */
const char *ow_export_format_name (enum ow_export_format fmt);
int ow_export_format_from_name (const char *name, enum ow_export_format *fmt);

struct ow_export_options {
  enum ow_export_format format;
  bool overwrite;          /* replace an existing output file */
  bool no_digest;          /* skip SHA-256 / MD5 */
  /* Called after each chunk (a few MiB) with bytes of the disk done so
   * far; a non-zero return cancels (the output is removed, ECANCELED). */
  int (*progress) (void *opaque, uint64_t done, uint64_t total);
  void *opaque;
};

/* How one volume was copied. */
struct ow_export_volume {
  unsigned partition;      /* 0: the whole disk (no partition table) */
  uint64_t start, size;
  enum ow_fs_type fs;
  bool free_skipped;       /* true: clusters free in $Bitmap were not read */
  char *reason;            /* false: why it was copied verbatim */
  uint64_t cluster_size, clusters, used_clusters;
};

struct ow_export_result {
  enum ow_export_format format;
  char *output;            /* the final path */
  uint64_t disk_size;      /* the source */
  uint64_t virtual_size;   /* the image's virtual disk (VHD: whole MiB) */
  uint64_t file_size;      /* the output file's length */
  uint64_t bytes_read;     /* from the source, metadata reads included */
  uint64_t bytes_written;  /* data written to the output (holes excluded) */
  uint64_t free_bytes_skipped;   /* free NTFS clusters not read */
  char sha256[65], md5[33];      /* hex; "" with no_digest */
  double seconds;
  size_t nvolumes;
  struct ow_export_volume *volumes;
};

/* Copy SRC (open it read-only) to OUTPUT in OPTS->format.  OUTPUT is
 * written under a temporary name in its directory and renamed at the end,
 * so it appears complete or not at all; an existing OUTPUT is refused
 * (EEXIST) before anything is read unless OPTS->overwrite.  Inside each
 * NTFS volume that is safe to read, clusters free in $Bitmap are not read
 * and come out as zeros; everything else is copied bit for bit; all-zero
 * blocks become holes (or unallocated blocks).  RES (may be NULL) is
 * filled on success; free it with ow_export_result_free. */
int ow_export (struct ow_disk *src, const char *output,
               const struct ow_export_options *opts,
               struct ow_export_result *res);
/* An upper bound of the space the OW_EXPORT of SRC in FMT will take on the
 * destination (the output's allocated bytes; for qcow2/vmdk the peak, with
 * qemu-img's sparse raw staging file beside it), from the partition table
 * and the NTFS $Bitmaps alone (nothing is copied): exact file length for
 * VHDX, virtual size + footer for fixed VHD, the data to copy rounded to
 * 4 KiB for raw, plus format overhead for dynamic VHD, qcow2 and VMDK.
 * Fails like ow_export would on a format the disk cannot have (OW_ERR_INVALID). */
int ow_export_estimate (struct ow_disk *src, enum ow_export_format fmt, uint64_t *bytes);
void ow_export_result_free (struct ow_export_result *res);
/* The result as the JSON document `ce-offline export --json` prints. */
char *ow_export_result_json (const struct ow_export_result *res);

/* ---- diagnostics ------------------------------------------------------ */

/* Why did a migrated image not boot or configure?  Read-only throughout
 * (docs/ce-offline.md, "diagnose"). */
struct ow_diag_options {
  const char *platform;          /* the target ("aws", ...); NULL: inferred */
  const char *bundle;            /* write the ZIP here (refused if it exists); NULL: none */
  /* NULL-terminated host files for the bundle's ce/ folder: the CE's own
   * logs and job records.  Secrets in them are redacted; a job document
   * with an SMB password, a SAM/SECURITY hive or an answer file is left
   * out (and the report says so). */
  const char *const *includes;
};
/* Diagnose DISK (opened read-only by the caller, who closes it): *REPORT
 * gets the JSON report.  -1 with the error set when no report can be made
 * (no partition table; memory; the bundle cannot be written). */
int ow_diagnose (struct ow_disk *disk, const struct ow_diag_options *opts, char **report);

#ifdef __cplusplus
}
#endif

#endif /* OFFLINEWIN_H */
