/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inspection: partitions → volumes → Windows installations → one JSON
 * document (schema in docs/ce-offline.md). Read-only throughout. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "win.h"
#include "inspect.h"

/* cmd.exe's PE header is within its first page. */
#define PE_HEAD_BYTES 4096

static void
ctx_release (struct ow_win_ctx *c)
{
  ow_hive_close (c->system);
  ow_hive_close (c->software);
  ow_hive_close (c->security);
  free (c->control_set);
  free (c->systemroot);
  c->system = c->software = c->security = NULL;
  c->control_set = c->systemroot = NULL;
}

static void
add_arch (struct ow_win_ctx *c, json_t *win)
{
  uint8_t *head = malloc (PE_HEAD_BYTES);
  char *cmd = NULL;
  size_t got = 0;
  const char *arch = NULL;

  if (head && asprintf (&cmd, "%s/System32/cmd.exe", c->systemroot) != -1 &&
      ow_file_read_head (c->vol, cmd, head, PE_HEAD_BYTES, &got) == 0)
    arch = ow_pe_arch (head, got);
  else
    cmd = NULL;
  json_object_set_new (win, "arch", arch ? json_string (arch) : json_null ());
  free (cmd);
  free (head);
}

static json_t *
safety_json (struct ow_volume *vol, json_t *problems, const char *where)
{
  bool safe;
  char *problem = NULL, *msg = NULL;

  if (ow_volume_write_safety (vol, &safe, &problem, &msg) == -1) {
    ow_win_problem (problems, "volume-unreadable", "%s: %s", where, ow_error_message ());
    return json_pack ("{s:b, s:s, s:s}", "safe", 0, "problem", "unreadable",
                      "message", ow_error_message ());
  }
  if (safe)
    return json_pack ("{s:b}", "safe", 1);
  ow_win_problem (problems, problem, "%s: %s", where, msg);
  json_t *j = json_pack ("{s:b, s:s, s:s}", "safe", 0, "problem", problem, "message", msg);
  free (problem);
  free (msg);
  return j;
}

/* One Windows installation at C->systemroot on C->vol. */
static json_t *
inspect_install (struct ow_win_ctx *c)
{
  json_t *win = json_object (), *hives = json_array ();
  char *cfgdir = NULL, **entries = NULL, *where = NULL;

  json_object_set_new (win, "partition", json_integer (c->part->number));
  json_object_set_new (win, "systemRoot", json_sprintf ("/%s", c->systemroot));
  add_arch (c, win);

  if (asprintf (&cfgdir, "%s/System32/config", c->systemroot) != -1)
    entries = ow_dir_list (c->vol, cfgdir);
  if (entries == NULL)
    ow_win_problem (c->problems, "hive-unreadable", "cannot list %s: %s",
                    cfgdir ? cfgdir : "config", ow_error_message ());
  for (size_t i = 0; ow_win_hive_names[i]; i++) {
    const char *n = ow_win_hive_names[i];
    struct ow_hive *hv = ow_win_load_hive (c, n, entries, hives, 0);
    if (strcmp (n, "SYSTEM") == 0) c->system = hv;
    else if (strcmp (n, "SOFTWARE") == 0) c->software = hv;
    else if (strcmp (n, "SECURITY") == 0) c->security = hv;
    else ow_hive_close (hv);
  }
  if (c->system == NULL || c->software == NULL)
    ow_win_problem (c->problems, "hive-missing", "%s: the %s hive is missing or unusable",
                    c->systemroot, c->system == NULL ? "SYSTEM" : "SOFTWARE");

  if (ow_win_version (c, win) == -1 || ow_win_system (c, win) == -1 ||
      ow_win_domain (c, win) == -1 || ow_win_vda (c, win) == -1 ||
      ow_win_srctools (c, win) == -1)
    ow_win_problem (c->problems, "registry-unreadable", "%s", ow_error_message ());
  json_object_set_new (win, "hives", hives);
  if (asprintf (&where, "partition %u", c->part->number) == -1)
    where = NULL;
  json_object_set_new (win, "writeSafety", safety_json (c->vol, c->problems,
                                                        where ? where : "volume"));
  free (where);
  ow_strv_free (entries);
  free (cfgdir);
  return win;
}

static json_t *
partition_json (const struct ow_ptable *pt, const struct ow_partition *p)
{
  json_t *j = json_object ();
  char guid[37];

  json_object_set_new (j, "number", json_integer (p->number));
  json_object_set_new (j, "start", json_integer ((json_int_t) p->start));
  json_object_set_new (j, "size", json_integer ((json_int_t) p->size));
  json_object_set_new (j, "role", json_string (ow_part_role_name (p->role)));
  if (pt->scheme == OW_PT_MBR) {
    json_object_set_new (j, "mbrType", json_sprintf ("0x%02x", p->mbr_type));
    json_object_set_new (j, "bootable", json_boolean (p->bootable));
  }
  else {
    ow_guid_to_string (p->type_guid, guid);
    json_object_set_new (j, "typeGuid", json_string (guid));
    ow_guid_to_string (p->part_guid, guid);
    json_object_set_new (j, "guid", json_string (guid));
    ow_json_set_str (j, "name", p->name);
  }
  return j;
}

/* A BCD store found while walking the partitions: where, and its bytes
 * (or why they could not be read), decoded once the walk is over. */
struct bcd_src {
  json_t *loc;
  void *data;
  size_t len;
  char *error;
};

static void
bcd_src_free (struct bcd_src *b)
{
  json_decref (b->loc);
  free (b->data);
  free (b->error);
  memset (b, 0, sizeof *b);
}

static void
bcd_src_read_error (struct bcd_src *b)
{
  b->error = strdup (ow_error_message ());
  ow_error_clear ();
}

/* Where the boot configuration lives: \Boot\BCD on an NTFS volume (BIOS). */
static void
note_bcd (struct ow_volume *vol, const struct ow_partition *p, json_t *pj, struct bcd_src *bcd)
{
  char *path = ow_path_real_case (vol, "Boot/BCD");

  if (path == NULL) {
    ow_error_clear ();
    return;
  }
  if (bcd->loc == NULL) {
    bcd->loc = json_pack ("{s:i, s:s+, s:s}", "partition", (int) p->number, "path", "/", path,
                          "filesystem", "ntfs");
    if (ow_file_read (vol, path, MAX_BCD_FILE, &bcd->data, &bcd->len) == -1)
      bcd_src_read_error (bcd);
  }
  if (ow_path_exists (vol, "bootmgr") == 1)
    json_object_set_new (pj, "contents", json_string ("system-reserved"));
  free (path);
}

/* UEFI Windows boots from the BCD on the EFI system partition. */
static void
note_efi_bcd (struct ow_disk *disk, const struct ow_partition *p, json_t *pj, struct bcd_src *efi)
{
  static const char path[] = "EFI/Microsoft/Boot/BCD";
  int e = ow_fat_path_exists (disk, p->start, p->size, path);

  if (e == -1) {
    json_object_set_new (pj, "error", json_string (ow_error_message ()));
    return;
  }
  if (e == 0)
    return;
  efi->loc = json_pack ("{s:i, s:s, s:s}", "partition", (int) p->number,
                        "path", "/EFI/Microsoft/Boot/BCD", "filesystem", "fat");
  if (ow_fat_file_read (disk, p->start, p->size, path, MAX_BCD_FILE, &efi->data,
                        &efi->len) == -1)
    bcd_src_read_error (efi);
}

/* The first volume that could not be read makes the whole inspection a
 * failure (exit 1), reported in the document's "error". */
static void
note_io_error (json_t **err, const struct ow_partition *p, const char *msg)
{
  if (*err != NULL)
    return;
  *err = json_object ();
  json_object_set_new (*err, "code", json_string ("volume-unreadable"));
  json_object_set_new (*err, "partition", json_integer (p->number));
  json_object_set_new (*err, "message",
                       json_sprintf ("partition %u cannot be read (%s): check the disk and "
                                     "how it is attached (NBD server, device), then retry",
                                     p->number, msg));
}

json_t *
ow_inspect (struct ow_disk *disk)
{
  struct ow_ptable *pt = ow_ptable_read (disk);
  json_t *doc, *parts, *wins, *problems, *io_error = NULL;
  struct bcd_src bcd = { NULL, NULL, 0, NULL }, efi = { NULL, NULL, 0, NULL }, *use;
  size_t bitlocker = 0;

  if (pt == NULL)
    return NULL;
  doc = json_object ();
  parts = json_array ();
  wins = json_array ();
  problems = json_array ();

  for (size_t i = 0; i < pt->count; i++) {
    const struct ow_partition *p = &pt->parts[i];
    json_t *pj = partition_json (pt, p);
    enum ow_fs_type fs = OW_FS_UNKNOWN;
    struct ow_volume *vol;
    char **roots;

    json_array_append_new (parts, pj);
    if (p->role == OW_ROLE_EXTENDED || p->role == OW_ROLE_MSR)
      continue;
    if (ow_fs_probe (disk, p->start, p->size, &fs) == -1) {
      json_object_set_new (pj, "error", json_string (ow_error_message ()));
      note_io_error (&io_error, p, ow_error_message ());
      continue;
    }
    json_object_set_new (pj, "filesystem", json_string (ow_fs_type_name (fs)));
    if (fs == OW_FS_BITLOCKER) {
      bitlocker++;
      ow_win_problem (problems, "bitlocker", "partition %u is BitLocker-encrypted: decrypt "
                      "it in Windows (manage-bde -off C:) and retry", p->number);
      continue;
    }
    /* UEFI Windows boots from the BCD on the EFI system partition. */
    if (p->role == OW_ROLE_EFI && fs == OW_FS_FAT && efi.loc == NULL)
      note_efi_bcd (disk, p, pj, &efi);
    if (fs != OW_FS_NTFS)
      continue;
    vol = ow_volume_open (disk, p->start, p->size, 0);
    if (vol == NULL) {
      json_object_set_new (pj, "error", json_string (ow_error_message ()));
      /* A refusal (BitLocker...) is a verdict; anything else means the
       * volume could not be read, and "no Windows" would be a guess. */
      if (ow_error_class () == OW_ERR_FAILED)
        note_io_error (&io_error, p, ow_error_message ());
      continue;
    }
    ow_json_set_str_take (pj, "label", ow_volume_label (vol));
    note_bcd (vol, p, pj, &bcd);
    roots = ow_win_find_systemroots (vol);
    for (size_t r = 0; roots && roots[r]; r++) {
      if (roots[r][0] == '\0')
        continue;
      struct ow_win_ctx c = { .disk = disk, .pt = pt, .part = p, .vol = vol,
                              .problems = problems };
      c.systemroot = strdup (roots[r]);
      json_object_set_new (pj, "contents", json_string ("windows"));
      json_array_append_new (wins, inspect_install (&c));
      ctx_release (&c);
    }
    ow_strv_free (roots);
    ow_volume_close (vol);
  }

  /* UEFI boots from the ESP; BIOS from an NTFS volume's \Boot\BCD. */
  use = pt->scheme == OW_PT_GPT && efi.loc ? &efi : &bcd;
  if (use->loc)
    ow_win_bcd_describe (use->loc, use->data, use->len, use->error, pt);
  for (size_t w = 0; w < json_array_size (wins); w++)
    json_object_set (json_array_get (wins, w), "bcd", use->loc ? use->loc : json_null ());
  bcd_src_free (&bcd);
  bcd_src_free (&efi);

  if (io_error != NULL)
    ow_win_problem (problems, "volume-unreadable", "%s",
                    json_string_value (json_object_get (io_error, "message")));
  else if (json_array_size (wins) == 0 && bitlocker == 0)
    ow_win_problem (problems, "no-windows", "no Windows installation found on %s",
                    ow_disk_spec (disk));
  else if (json_array_size (wins) > 1)
    ow_win_problem (problems, "several-windows", "%zu Windows installations found on one "
                    "disk: refusing to guess which one to prepare", json_array_size (wins));

  json_object_set_new (doc, "partitionTable", ow_inspect_ptable_json (pt));
  json_object_set_new (doc, "partitions", parts);
  json_object_set_new (doc, "windows", wins);
  json_object_set_new (doc, "verdict", json_pack ("{s:I, s:b, s:o}", "windowsFound",
                                                  (json_int_t) json_array_size (wins),
                                                  "writable", json_array_size (problems) == 0,
                                                  "problems", problems));
  if (io_error != NULL)
    json_object_set_new (doc, "error", io_error);
  ow_ptable_free (pt);
  return doc;
}
