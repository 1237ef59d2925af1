/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests: the INF parser and the driver selection (offline-win/
 * drivers/inf*.c) against real public INFs (tests/data/drivers/inf/, see
 * its README.md: virtio-win, Google gVNIC, XenServer) and small hand-made
 * INFs for the syntax corners and the bad inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "internal.h"
#include "drivers/inf.h"

/* ---- helpers ------------------------------------------------------------ */

struct blob { char *data; size_t len; };

/* tests/data/drivers/inf/REL. */
static struct blob
load (const char *rel)
{
  const char *top = getenv ("CE_TOP");
  char *path = NULL;
  struct blob b = { NULL, 0 };
  FILE *f;
  long n;

  assert_true (asprintf (&path, "%s/tests/data/drivers/inf/%s", top ? top : ".", rel) > 0);
  f = fopen (path, "rb");
  if (f == NULL)
    fail_msg ("cannot open %s", path);
  assert_int_equal (fseek (f, 0, SEEK_END), 0);
  n = ftell (f);
  assert_true (n > 0);
  rewind (f);
  b.data = malloc ((size_t) n);
  assert_non_null (b.data);
  assert_int_equal (fread (b.data, 1, (size_t) n, f), (size_t) n);
  b.len = (size_t) n;
  fclose (f);
  free (path);
  return b;
}

/* A package: the paths it holds (NULL-terminated). */
static bool
exists (void *opaque, const char *package, const char *path)
{
  const char *const *files = opaque;

  (void) package;
  for (size_t i = 0; files[i]; i++)
    if (strcasecmp (files[i], path) == 0)
      return true;
  return false;
}

/* Add the data file REL to SET as PATH in package "virtio-win". */
static void
add (struct ow_inf_set *set, const char *package, const char *rel)
{
  struct blob b = load (rel);

  assert_int_equal (ow_inf_set_add (set, package, rel, b.data, b.len), 0);
  free (b.data);
}

static void
add_text (struct ow_inf_set *set, const char *path, const char *text)
{
  assert_int_equal (ow_inf_set_add (set, "pkg", path, text, strlen (text)), 0);
}

static struct ow_inf *
parse_text (const char *text)
{
  return ow_inf_parse ("t.inf", text, strlen (text));
}

static const struct ow_inf_image win10_1607 = { "amd64", 10, 0, 14393, 3 };
static const struct ow_inf_image win11 = { "amd64", 10, 0, 22631, 1 };
static const struct ow_inf_image win10_x86 = { "x86", 10, 0, 19045, 1 };
static const struct ow_inf_image win2012r2 = { "amd64", 6, 3, 9600, 3 };
static const struct ow_inf_image arm64 = { "arm64", 10, 0, 22631, 1 };

static const char *const virtio_files[] = {
  "virtio-win/viostor/w10/amd64/viostor.sys", "virtio-win/viostor/w10/amd64/viostor.cat",
  "virtio-win/viostor/w11/amd64/viostor.sys", "virtio-win/viostor/w11/amd64/viostor.cat",
  "virtio-win/viostor/w10/x86/viostor.sys", "virtio-win/viostor/w10/x86/viostor.cat",
  "virtio-win/vioscsi/w10/amd64/vioscsi.sys", "virtio-win/vioscsi/w10/amd64/vioscsi.cat",
  "virtio-win/NetKVM/w10/amd64/netkvm.sys", "virtio-win/NetKVM/w10/amd64/netkvm.cat",
  "virtio-win/NetKVM/w10/amd64/netkvmp.exe",
  "gvnic/amd64/gvnic.sys", "gvnic/amd64/gvnic.cat",
  "xenserver/amd64/xenvbd.sys", "xenserver/amd64/xencrsh.sys", "xenserver/amd64/xenvbd.cat",
  "xenserver/amd64/xennet.sys", "xenserver/amd64/xennet.cat",
  NULL,
};

static struct ow_inf_set *
virtio_set (const char *const *files)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) files);

  assert_non_null (set);
  add (set, "virtio-win", "virtio-win/viostor/w10/amd64/viostor.inf");
  add (set, "virtio-win", "virtio-win/viostor/w11/amd64/viostor.inf");
  add (set, "virtio-win", "virtio-win/viostor/w10/x86/viostor.inf");
  add (set, "virtio-win", "virtio-win/vioscsi/w10/amd64/vioscsi.inf");
  add (set, "virtio-win", "virtio-win/NetKVM/w10/amd64/netkvm.inf");
  return set;
}

/* ow_inf_choose, or the test fails with the reasons. */
static struct ow_drv_choice *
choose (struct ow_inf_set *set, const struct ow_inf_image *img, const char *hwid)
{
  char **rej = NULL;
  struct ow_drv_choice *c = ow_inf_choose (set, img, hwid, &rej);

  if (c == NULL) {
    for (size_t i = 0; rej && rej[i]; i++)
      print_message ("rejected: %s\n", rej[i]);
    fail_msg ("%s", ow_error_message ());
  }
  return c;
}

static const struct ow_drv_reg *
reg_find (const struct ow_drv_service *s, const char *subkey, const char *value)
{
  for (size_t i = 0; i < s->nreg; i++)
    if (strcasecmp (s->reg[i].subkey, subkey) == 0 && strcasecmp (s->reg[i].value, value) == 0)
      return &s->reg[i];
  return NULL;
}

static void
assert_dword (const struct ow_drv_service *s, const char *subkey, const char *value, uint32_t v)
{
  const struct ow_drv_reg *r = reg_find (s, subkey, value);

  if (r == NULL)
    fail_msg ("no value %s\\%s", subkey, value);
  assert_int_equal (r->type, OW_REG_DWORD);
  assert_int_equal (r->len, 4);
  assert_int_equal (ow_le32 (r->data), v);
}

static bool
has_line (char **v, size_t n, const char *needle)
{
  for (size_t i = 0; i < n; i++)
    if (strstr (v[i], needle))
      return true;
  return false;
}

static bool
strv_has (char **v, const char *needle)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strstr (v[i], needle))
      return true;
  return false;
}

/* ---- the parser ---------------------------------------------------------------- */

static void
test_stamped_viostor_reads_version_and_substituted_strings (void **state)
{
  struct blob b = load ("virtio-win/viostor/w10/amd64/viostor.inf");
  struct ow_inf *inf = ow_inf_parse ("viostor.inf", b.data, b.len);
  size_t n;
  const struct ow_inf_line *l;

  (void) state;
  assert_non_null (inf);
  assert_string_equal (ow_inf_get (inf, "version", "Class"), "SCSIAdapter");
  assert_string_equal (ow_inf_get (inf, "VERSION", "Provider"), "Red Hat, Inc.");
  assert_string_equal (ow_inf_get (inf, "Version", "DriverVer"), "07/22/2026");
  assert_string_equal (ow_inf_get (inf, "Version", "CatalogFile"), "viostor.cat");
  /* "HKR,,EventMessageFile,%REG_EXPAND_SZ%,"%%SystemRoot%%\System32\IoLogMsg.dll"" */
  l = ow_inf_section (inf, "scsi_EventLog_AddReg", &n);
  assert_non_null (l);
  assert_int_equal (n, 2);
  assert_int_equal (l[0].nfields, 5);
  assert_string_equal (l[0].fields[3], "0x00020000");
  assert_string_equal (l[0].fields[4], "%SystemRoot%\\System32\\IoLogMsg.dll");
  /* The DIRID in ServiceBinary is kept for the installer. */
  assert_string_equal (ow_inf_get (inf, "scsi_Service_Inst", "ServiceBinary"),
                       "%12%\\viostor.sys");
  ow_inf_free (inf);
  free (b.data);
}

static void
test_utf16le_with_bom_reads_like_the_ansi_file (void **state)
{
  struct blob a = load ("virtio-win/viostor/w10/amd64/viostor.inf");
  struct blob u = load ("virtio-win/viostor/w10/amd64/viostor-utf16.inf");
  struct ow_inf *ia = ow_inf_parse ("a", a.data, a.len);
  struct ow_inf *iu = ow_inf_parse ("u", u.data, u.len);

  (void) state;
  assert_non_null (ia);
  assert_non_null (iu);
  assert_int_equal ((unsigned char) u.data[0], 0xFF);
  assert_int_equal (ow_inf_nsections (ia), ow_inf_nsections (iu));
  for (size_t i = 0; i < ow_inf_nsections (ia); i++) {
    size_t na, nu;
    const struct ow_inf_line *la = ow_inf_section (ia, ow_inf_section_name (ia, i), &na);
    const struct ow_inf_line *lu = ow_inf_section (iu, ow_inf_section_name (ia, i), &nu);

    assert_int_equal (na, nu);
    for (size_t k = 0; k < na; k++) {
      assert_int_equal (la[k].nfields, lu[k].nfields);
      for (size_t f = 0; f < la[k].nfields; f++)
        assert_string_equal (la[k].fields[f], lu[k].fields[f]);
    }
  }
  ow_inf_free (ia);
  ow_inf_free (iu);
  free (a.data);
  free (u.data);
}

static void
test_utf16le_without_bom_and_utf8_bom_are_read (void **state)
{
  static const char text[] = "[Version]\r\nClass=Net\r\n";
  uint8_t u16[2 * sizeof text], u8[3 + sizeof text];
  struct ow_inf *inf;

  (void) state;
  for (size_t i = 0; i < sizeof text - 1; i++)
    u16[2 * i] = (uint8_t) text[i], u16[2 * i + 1] = 0;
  inf = ow_inf_parse ("u16", u16, 2 * (sizeof text - 1));
  assert_non_null (inf);
  assert_string_equal (ow_inf_get (inf, "Version", "Class"), "Net");
  ow_inf_free (inf);
  memcpy (u8, "\xEF\xBB\xBF", 3);
  memcpy (u8 + 3, text, sizeof text - 1);
  inf = ow_inf_parse ("u8", u8, 3 + sizeof text - 1);
  assert_non_null (inf);
  assert_string_equal (ow_inf_get (inf, "Version", "Class"), "Net");
  ow_inf_free (inf);
}

static void
test_ansi_bytes_are_read_as_windows_1252 (void **state)
{
  /* 0xE9 = é, 0x80 = € in Windows-1252. */
  struct ow_inf *inf = parse_text ("[Strings]\nco = \"Soci\xE9t\xE9 \x80\"\n[A]\nk=%co%\n");

  (void) state;
  assert_non_null (inf);
  assert_string_equal (ow_inf_get (inf, "A", "k"), "Soci\xC3\xA9t\xC3\xA9 \xE2\x82\xAC");
  ow_inf_free (inf);
}

static void
test_continuations_comments_and_quotes_follow_the_inf_rules (void **state)
{
  struct ow_inf *inf = parse_text (
    "; header comment\n"
    "[Sec] ; comment after a header\n"
    "key = a, \"b, with comma\", \"say \"\"hi\"\"\" ; a comment\n"
    "list = one, \\\n"
    "       two, \\  \n"
    "       three\n"
    "semi = \"a;b\"\n"
    "blank = \"  padded  \" ,\n"
    "  bare line , second  \n"
    "[sec]\n"
    "merged = yes\n");
  size_t n;
  const struct ow_inf_line *l;

  (void) state;
  assert_non_null (inf);
  l = ow_inf_section (inf, "SEC", &n);
  assert_non_null (l);
  assert_int_equal (n, 6);              /* [Sec] and [sec] are one section */
  assert_string_equal (l[0].key, "key");
  assert_int_equal (l[0].nfields, 3);
  assert_string_equal (l[0].fields[1], "b, with comma");
  assert_string_equal (l[0].fields[2], "say \"hi\"");
  assert_int_equal (l[1].nfields, 3);
  assert_string_equal (l[1].fields[2], "three");
  assert_int_equal (l[1].lineno, 4);
  assert_string_equal (l[2].fields[0], "a;b");
  assert_string_equal (l[3].fields[0], "  padded  ");
  assert_string_equal (l[3].fields[1], "");
  assert_null (l[4].key);
  assert_string_equal (l[4].fields[0], "bare line");
  assert_string_equal (l[5].fields[0], "yes");
  ow_inf_free (inf);
}

static void
test_strings_0409_wins_then_strings_then_other_locales (void **state)
{
  struct ow_inf *inf = parse_text (
    "[Strings.0407]\nboth=\"deutsch\"\nonly_de=\"nur deutsch\"\n"
    "[Strings]\nboth=\"neutral\"\nplain=\"neutral only\"\n"
    "[Strings.0409]\nboth=\"english\"\n"
    "[A]\nx=%BOTH%\ny=%plain%\nz=%only_de%\nw=100%% and %12%\\drivers\n");

  (void) state;
  assert_non_null (inf);
  assert_string_equal (ow_inf_get (inf, "A", "x"), "english");
  assert_string_equal (ow_inf_get (inf, "A", "y"), "neutral only");
  assert_string_equal (ow_inf_get (inf, "A", "z"), "nur deutsch");
  assert_string_equal (ow_inf_get (inf, "A", "w"), "100% and %12%\\drivers");
  ow_inf_free (inf);
}

static void
test_a_10mb_line_is_refused_with_its_line_number (void **state)
{
  size_t big = 10u << 20;
  char *text = malloc (big + 64);

  (void) state;
  assert_non_null (text);
  strcpy (text, "[Version]\nClass=");
  memset (text + strlen (text), 'A', big);
  strcpy (text + 16 + big, "\n");
  assert_null (ow_inf_parse ("big.inf", text, strlen (text)));
  assert_int_equal (errno, E2BIG);
  assert_non_null (strstr (ow_error_message (), "big.inf line 2: a line longer than"));
  free (text);
  ow_error_clear ();
}

static void
test_an_undefined_string_key_is_refused_by_name (void **state)
{
  (void) state;
  assert_null (parse_text ("[Strings]\nA=\"a\"\n[Version]\nProvider=%NoSuchKey%\n"));
  assert_int_equal (errno, ENOENT);
  assert_non_null (strstr (ow_error_message (),
                           "t.inf line 4: string key %NoSuchKey% is not defined in [Strings]"));
  ow_error_clear ();
}

static void
test_a_string_that_refers_to_itself_is_refused (void **state)
{
  (void) state;
  assert_null (parse_text ("[Strings]\na=\"x%b%\"\nb=\"%a%\"\n[V]\nk=%a%\n"));
  assert_int_equal (errno, ELOOP);
  assert_non_null (strstr (ow_error_message (), "deeper than"));
  ow_error_clear ();
}

static void
test_truncated_utf16_is_refused (void **state)
{
  struct blob u = load ("virtio-win/viostor/w10/amd64/viostor-utf16.inf");
  /* "[V" then a high surrogate with no low one. */
  static const uint8_t lone[] = { 0xFF, 0xFE, '[', 0, 'V', 0, 0x3D, 0xD8 };

  (void) state;
  assert_null (ow_inf_parse ("odd.inf", u.data, u.len - 1));
  assert_int_equal (errno, EILSEQ);
  assert_non_null (strstr (ow_error_message (), "odd length (truncated file)"));
  assert_null (ow_inf_parse ("sur.inf", lone, sizeof lone));
  assert_non_null (strstr (ow_error_message (), "unpaired surrogate"));
  free (u.data);
  ow_error_clear ();
}

static void
test_unclosed_quote_and_section_bracket_are_refused (void **state)
{
  (void) state;
  assert_null (parse_text ("[A]\nk=\"open\n"));
  assert_non_null (strstr (ow_error_message (), "line 2: a quote that is not closed"));
  assert_null (parse_text ("[A\nk=v\n"));
  assert_non_null (strstr (ow_error_message (), "line 1: a section name without ']'"));
  ow_error_clear ();
}

/* ---- decorations and IDs ----------------------------------------------------------- */

static void
test_target_os_decorations_parse_per_the_manufacturer_grammar (void **state)
{
  struct ow_inf_target t;

  (void) state;
  assert_int_equal (ow_inf_parse_target ("NTamd64.10.0...16299", &t), 0);
  assert_string_equal (t.arch, "amd64");
  assert_int_equal (t.major, 10);
  assert_int_equal (t.minor, 0);
  assert_int_equal (t.product_type, 0);
  assert_int_equal (t.suite, 0);
  assert_int_equal (t.build, 16299);
  assert_int_equal (ow_inf_parse_target ("ntx86.6.1.3", &t), 0);
  assert_string_equal (t.arch, "x86");
  assert_int_equal (t.product_type, 3);
  assert_int_equal (ow_inf_parse_target ("NTarm64", &t), 0);
  assert_string_equal (t.arch, "arm64");
  assert_int_equal (ow_inf_parse_target ("NT", &t), 0);
  assert_string_equal (t.arch, "");
  assert_int_equal (ow_inf_parse_target ("NTamd64.6.3.1.0x10", &t), 0);
  assert_int_equal (t.suite, 0x10);
  assert_int_equal (ow_inf_parse_target ("NTfoo", &t), -1);
  assert_int_equal (ow_inf_parse_target ("amd64", &t), -1);
  assert_int_equal (ow_inf_parse_target ("NTamd64.x", &t), -1);
}

static void
test_hardware_ids_match_equal_or_more_specific_forms (void **state)
{
  (void) state;
  assert_int_equal (ow_inf_hwid_match ("PCI\\VEN_1AF4&DEV_1001", "pci\\ven_1af4&dev_1001"), 2);
  assert_int_equal (ow_inf_hwid_match ("PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00",
                                       "PCI\\VEN_1AF4&DEV_1001"), 1);
  assert_int_equal (ow_inf_hwid_match ("PCI\\VEN_1AE0&DEV_0042",
                                       "PCI\\VEN_1AE0&DEV_0042&SUBSYS_00581AE0"), 1);
  assert_int_equal (ow_inf_hwid_match ("PCI\\VEN_1AF4&DEV_1001", "PCI\\VEN_1AF4&DEV_10"), 0);
  assert_int_equal (ow_inf_hwid_match ("PCI\\VEN_1AF4&DEV_1004", "PCI\\VEN_1AF4&DEV_1001"), 0);
}

/* ---- selection against the real INFs ------------------------------------------------ */

static void
test_viostor_win10_inf_is_chosen_on_1607_and_the_win11_one_rejected (void **state)
{
  struct ow_inf_set *set = virtio_set (virtio_files);
  struct ow_drv_choice *c = choose (set, &win10_1607, "PCI\\VEN_1AF4&DEV_1001");
  const struct ow_drv_service *s;

  (void) state;
  assert_string_equal (c->inf_path, "virtio-win/viostor/w10/amd64/viostor.inf");
  assert_string_equal (c->inf_name, "viostor.inf");
  assert_string_equal (c->package, "virtio-win");
  assert_string_equal (c->model_section, "VioStor.NTamd64.10.0");
  assert_string_equal (c->install_section, "scsi_inst");
  assert_string_equal (c->class_name, "SCSIAdapter");
  assert_string_equal (c->class_guid, "{4D36E97B-E325-11CE-BFC1-08002BE10318}");
  assert_string_equal (c->provider, "Red Hat, Inc.");
  assert_string_equal (c->driver_ver, "07/22/2026,100.6.101.58000");
  assert_string_equal (c->catalog, "viostor.cat");
  assert_true (c->boot_critical);
  /* Every ID of the model lines: legacy and modern, specific and generic. */
  assert_int_equal (c->nhwids, 4);
  assert_string_equal (c->hwids[0], "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00");
  assert_string_equal (c->hwids[1], "PCI\\VEN_1AF4&DEV_1001");
  assert_string_equal (c->hwids[2], "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01");
  assert_string_equal (c->hwids[3], "PCI\\VEN_1AF4&DEV_1042");
  assert_int_equal (c->nfiles, 1);
  assert_string_equal (c->files[0].src, "virtio-win/viostor/w10/amd64/viostor.sys");
  assert_string_equal (c->files[0].dest, "System32/drivers");
  assert_string_equal (c->files[0].name, "viostor.sys");
  assert_int_equal (c->nservices, 1);
  s = &c->services[0];
  assert_string_equal (s->name, "viostor");
  assert_int_equal (s->type, 1);
  assert_int_equal (s->start, 0);
  assert_int_equal (s->error_control, 1);
  assert_string_equal (s->group, "SCSI miniport");
  assert_string_equal (s->image_path, "System32\\drivers\\viostor.sys");
  assert_dword (s, "Parameters\\PnpInterface", "5", 1);
  assert_dword (s, "Parameters", "BusType", 1);
  assert_dword (s, "Parameters", "DmaRemappingCompatible", 0);
  /* The Win11 INF needs build 16299, the x86 one another arch. */
  assert_true (has_line (c->rejected, c->nrejected, "w11/amd64/viostor.inf"));
  assert_true (has_line (c->rejected, c->nrejected, "a newer Windows build"));
  assert_true (has_line (c->rejected, c->nrejected, "another architecture"));
  /* What is not applied offline is listed. */
  assert_true (has_line (c->unsupported, c->nunsupported, "[scsi_inst.HW]"));
  assert_true (has_line (c->unsupported, c->nunsupported, "event log"));
  assert_non_null (strstr (c->why, "VioStor.NTamd64.10.0"));
  assert_non_null (c->store_name);
  assert_int_equal (strncmp (c->store_name, "viostor.inf_amd64_", 18), 0);
  assert_int_equal (strlen (c->store_name), 18 + 16);
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_viostor_win11_inf_wins_on_win11_and_copies_to_the_driver_store (void **state)
{
  struct ow_inf_set *set = virtio_set (virtio_files);
  struct ow_drv_choice *c = choose (set, &win11, "PCI\\VEN_1AF4&DEV_1042");
  char *dir = NULL, *img = NULL;

  (void) state;
  assert_string_equal (c->inf_path, "virtio-win/viostor/w11/amd64/viostor.inf");
  assert_string_equal (c->model_section, "VioStor.NTamd64.10.0...16299");
  assert_true (asprintf (&dir, "System32/DriverStore/FileRepository/%s", c->store_name) > 0);
  assert_true (asprintf (&img, "System32\\DriverStore\\FileRepository\\%s\\viostor.sys",
                         c->store_name) > 0);
  assert_string_equal (c->files[0].dest, dir);
  assert_string_equal (c->services[0].image_path, img);
  /* The Win10 INF fits too: it loses on the decoration. */
  assert_true (has_line (c->rejected, c->nrejected,
                         "w10/amd64/viostor.inf (virtio-win): fits too, but"));
  assert_true (has_line (c->rejected, c->nrejected, "a higher TargetOSVersion decoration"));
  free (dir);
  free (img);
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_x86_image_gets_the_x86_inf (void **state)
{
  struct ow_inf_set *set = virtio_set (virtio_files);
  struct ow_drv_choice *c = choose (set, &win10_x86, "PCI\\VEN_1AF4&DEV_1001");

  (void) state;
  assert_non_null (c);
  assert_string_equal (c->inf_path, "virtio-win/viostor/w10/x86/viostor.inf");
  assert_string_equal (c->model_section, "VioStor.NTx86.10.0");
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_no_fit_for_arm64_or_an_older_windows_says_why_per_inf (void **state)
{
  struct ow_inf_set *set = virtio_set (virtio_files);
  char **rej = NULL;

  (void) state;
  assert_null (ow_inf_choose (set, &arm64, "PCI\\VEN_1AF4&DEV_1001", &rej));
  assert_int_equal (errno, ENOENT);
  assert_non_null (strstr (ow_error_message (), "no driver in the packages fits "
                           "PCI\\VEN_1AF4&DEV_1001"));
  assert_true (strv_has (rej, "another architecture"));
  ow_strv_free (rej);
  assert_null (ow_inf_choose (set, &win2012r2, "PCI\\VEN_1AF4&DEV_1001", &rej));
  assert_true (strv_has (rej, "a newer Windows version"));
  ow_strv_free (rej);
  /* An ID no INF lists: nothing considered. */
  assert_null (ow_inf_choose (set, &win11, "PCI\\VEN_15AD&DEV_07C0", &rej));
  assert_null (rej);
  ow_inf_set_free (set);
  ow_error_clear ();
}

static void
test_vioscsi_and_netkvm_are_chosen_for_their_ids (void **state)
{
  struct ow_inf_set *set = virtio_set (virtio_files);
  struct ow_drv_choice *c = choose (set, &win11, "PCI\\VEN_1AF4&DEV_1048");
  const struct ow_drv_reg *r;

  (void) state;
  assert_non_null (c);
  assert_string_equal (c->inf_name, "vioscsi.inf");
  assert_true (c->boot_critical);
  assert_string_equal (c->services[0].name, "vioscsi");
  /* DisplayName is a value of the service key. */
  assert_non_null (reg_find (&c->services[0], "", "DisplayName"));
  ow_drv_choice_free (c);

  c = choose (set, &win11, "PCI\\VEN_1AF4&DEV_1000");
  assert_non_null (c);
  assert_string_equal (c->inf_name, "netkvm.inf");
  assert_false (c->boot_critical);
  assert_string_equal (c->install_section, "kvmnet6.ndi");
  assert_int_equal (c->services[0].start, 3);
  assert_string_equal (c->services[0].group, "NDIS");
  assert_int_equal (c->nfiles, 2);
  assert_string_equal (c->files[1].src, "virtio-win/NetKVM/w10/amd64/netkvmp.exe");
  assert_string_equal (c->files[1].dest, "System32");
  /* HKR,Parameters,DisableMSI,,"0": a REG_SZ "0" in UTF-16LE. */
  r = reg_find (&c->services[0], "Parameters", "DisableMSI");
  assert_non_null (r);
  assert_int_equal (r->type, OW_REG_SZ);
  assert_int_equal (r->len, 4);
  assert_memory_equal (r->data, "0\0\0\0", 4);
  /* NDIS keywords and the driver key's AddReg are listed. */
  assert_true (has_line (c->unsupported, c->nunsupported, "Characteristics"));
  assert_true (has_line (c->unsupported, c->nunsupported, "driver key"));
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_gvnic_is_chosen_for_a_subsys_specific_id (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) virtio_files);
  struct ow_drv_choice *c;

  (void) state;
  add (set, "gvnic", "gvnic/amd64/gvnic.inf");
  c = choose (set, &win2012r2, "PCI\\VEN_1AE0&DEV_0042&SUBSYS_00581AE0&REV_00");
  assert_non_null (c);
  assert_string_equal (c->model_section, "Google.NTamd64");
  assert_string_equal (c->provider, "Google Inc.");
  assert_string_equal (c->services[0].image_path, "System32\\drivers\\gvnic.sys");
  assert_int_equal (c->services[0].start, 3);
  assert_non_null (strstr (c->why, "the hardware ID (equal to"));
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_xenserver_vbd_and_net_services_come_from_their_infs (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) virtio_files);
  struct ow_drv_choice *c;
  const struct ow_drv_reg *r;

  (void) state;
  add (set, "xen", "xenserver/amd64/xenvbd.inf");
  add (set, "xen", "xenserver/amd64/xennet.inf");
  c = choose (set, &win2012r2, "XENBUS\\VEN_XS0001&DEV_VBD");
  assert_non_null (c);
  assert_string_equal (c->inf_name, "xenvbd.inf");
  assert_true (c->boot_critical);
  assert_int_equal (c->nfiles, 2);     /* xenvbd.sys, xencrsh.sys to DefaultDestDir 12 */
  assert_string_equal (c->files[1].name, "xencrsh.sys");
  assert_string_equal (c->files[1].dest, "System32/drivers");
  assert_string_equal (c->services[0].group, "Scsi Miniport");
  assert_dword (&c->services[0], "Parameters", "BusType", 1);
  assert_true (has_line (c->unsupported, c->nunsupported, "[XenVbd_Inst.CoInstallers]"));
  ow_drv_choice_free (c);
  c = choose (set, &win2012r2, "XENVIF\\VEN_XS0001&DEV_NET&REV_00000000");
  assert_non_null (c);
  /* HKR,,BootFlags,0x00010003,0x01: a DWORD with FLG_ADDREG_NOCLOBBER. */
  r = reg_find (&c->services[0], "", "BootFlags");
  assert_non_null (r);
  assert_int_equal (r->type, OW_REG_DWORD);
  assert_int_equal (r->flags, 0x00010003);
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_an_inf_naming_a_missing_file_is_rejected (void **state)
{
  static const char *const files[] = { "virtio-win/viostor/w10/amd64/viostor.cat", NULL };
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) files);
  char **rej = NULL;

  (void) state;
  add (set, "virtio-win", "virtio-win/viostor/w10/amd64/viostor.inf");
  assert_null (ow_inf_choose (set, &win10_1607, "PCI\\VEN_1AF4&DEV_1001", &rej));
  assert_true (strv_has (rej, "viostor.sys is not in the package "
                         "(virtio-win/viostor/w10/amd64/viostor.sys)"));
  ow_strv_free (rej);
  ow_inf_set_free (set);
  ow_error_clear ();
}

static void
test_an_inf_without_its_catalog_is_rejected (void **state)
{
  static const char *const files[] = { "virtio-win/viostor/w10/amd64/viostor.sys", NULL };
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) files);
  char **rej = NULL;

  (void) state;
  add (set, "virtio-win", "virtio-win/viostor/w10/amd64/viostor.inf");
  assert_null (ow_inf_choose (set, &win10_1607, "PCI\\VEN_1AF4&DEV_1001", &rej));
  assert_true (strv_has (rej, "its catalog viostor.cat is not in the package"));
  ow_strv_free (rej);
  ow_inf_set_free (set);
  ow_error_clear ();
}

/* A small INF around one install section, with EXTRA sections. */
#define MINI_HEAD \
  "[Version]\nSignature=\"$Windows NT$\"\nClass=SCSIAdapter\nProvider=%P%\n" \
  "CatalogFile=m.cat\nDriverVer=01/02/2024,1.2.3.4\n" \
  "[Manufacturer]\n%P%=M,NTamd64\n[M.NTamd64]\n%P%=inst,PCI\\VEN_AAAA&DEV_0001\n" \
  "[SourceDisksNames]\n1=%P%,,,\"\"\n[SourceDisksFiles]\nm.sys=1\n" \
  "[DestinationDirs]\nDefaultDestDir=12\n[Strings]\nP=\"Maker\"\n"

static const char *const mini_files[] = { "m.sys", "m.cat", "dir/m.sys", "dir/m.cat", NULL };

static void
test_an_include_loop_is_rejected_with_the_chain (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  char **rej = NULL;

  (void) state;
  add_text (set, "a.inf", MINI_HEAD "[inst]\nInclude=b.inf\nNeeds=b_sec\nCopyFiles=@m.sys\n");
  add_text (set, "b.inf", "[Version]\nSignature=\"$Windows NT$\"\n[b_sec]\nInclude=a.inf\n");
  assert_null (ow_inf_choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001", &rej));
  assert_true (strv_has (rej, "an Include loop: a.inf -> b.inf -> a.inf"));
  ow_strv_free (rej);
  ow_inf_set_free (set);
  ow_error_clear ();
}

static void
test_needs_from_an_included_inf_is_installed_and_a_system_one_listed (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  struct ow_drv_choice *c;

  (void) state;
  add_text (set, "dir/a.inf", MINI_HEAD
            "[inst]\nInclude=b.inf,machine.inf\nNeeds=b_sec,PCI_DRV\n");
  add_text (set, "dir/b.inf", "[Version]\nSignature=\"$Windows NT$\"\n"
            "[SourceDisksNames]\n1=d\n[SourceDisksFiles]\nm.sys=1\n"
            "[DestinationDirs]\nDefaultDestDir=11\n"
            "[b_sec]\nCopyFiles=@m.sys\n[b_sec.Services]\nAddService=m,2,svc\n"
            "[svc]\nServiceType=1\nStartType=0\nErrorControl=1\nServiceBinary=%12%\\m.sys\n");
  c = choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001");
  assert_int_equal (c->nfiles, 1);
  assert_string_equal (c->files[0].src, "dir/m.sys");
  /* a.inf's DefaultDestDir (12) wins over the included b.inf's (11). */
  assert_string_equal (c->files[0].dest, "System32/drivers");
  assert_int_equal (c->nservices, 1);
  assert_string_equal (c->services[0].name, "m");
  assert_true (has_line (c->unsupported, c->nunsupported, "Include=machine.inf: not in the package"));
  assert_true (has_line (c->unsupported, c->nunsupported, "the needed section [PCI_DRV]"));
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_product_type_decorations_pick_workstation_or_server_models (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  struct ow_drv_choice *c;
  static const struct ow_inf_image server = { "amd64", 10, 0, 20348, 3 };
  static const struct ow_inf_image old_x86 = { "x86", 6, 1, 7601, 1 };

  (void) state;
  add_text (set, "a.inf",
            "[Version]\nSignature=\"$Windows NT$\"\nClass=Net\nCatalogFile=m.cat\n"
            "[Manufacturer]\nM=M,NTamd64.10.0.1,NTamd64.10.0.3,NTamd64.6.1,NTx86.10.0\n"
            "[M.NTamd64.10.0.1]\nd=ws,PCI\\VEN_AAAA&DEV_0001\n"
            "[M.NTamd64.10.0.3]\nd=srv,PCI\\VEN_AAAA&DEV_0001\n"
            "[M.NTamd64.6.1]\nd=old,PCI\\VEN_AAAA&DEV_0001\n"
            "[M.NTx86.10.0]\nd=ws,PCI\\VEN_AAAA&DEV_0001\n"
            "[M]\nd=base,PCI\\VEN_AAAA&DEV_0001\n"
            "[ws]\n[srv]\n[old]\n[base]\n");
  c = choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001");
  assert_string_equal (c->model_section, "M.NTamd64.10.0.1");
  assert_string_equal (c->install_section, "ws");
  ow_drv_choice_free (c);
  c = choose (set, &server, "PCI\\VEN_AAAA&DEV_0001");
  assert_string_equal (c->model_section, "M.NTamd64.10.0.3");
  ow_drv_choice_free (c);
  c = choose (set, &win2012r2, "PCI\\VEN_AAAA&DEV_0001");
  assert_string_equal (c->model_section, "M.NTamd64.6.1");
  ow_drv_choice_free (c);
  /* x86 Windows 7: NTx86.10.0 is newer, the undecorated section applies. */
  c = choose (set, &old_x86, "PCI\\VEN_AAAA&DEV_0001");
  assert_string_equal (c->model_section, "M");
  assert_string_equal (c->install_section, "base");
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_arch_source_disks_and_destination_subdirs_give_the_paths (void **state)
{
  static const char *const files[] = { "d/x64/sub/m.sys", "d/m.cat", "d/m.sys", NULL };
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) files);
  struct ow_drv_choice *c;

  (void) state;
  /* The .amd64 sections win over the plain ones (which name d/m.sys). */
  add_text (set, "d/a.inf", MINI_HEAD
            "[SourceDisksNames.amd64]\n1=%P%,,,\\x64\n[SourceDisksFiles.amd64]\nm.sys=1,sub\n"
            "[inst]\nCopyFiles=files,files\nCopyFiles=files\n[files]\nrenamed.sys,m.sys,,2\n"
            "[DestinationDirs]\nfiles=13,Sub\\Dir\n");
  c = choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001");
  assert_int_equal (c->nfiles, 1);      /* a section named three times is copied once */
  assert_string_equal (c->files[0].src, "d/x64/sub/m.sys");
  assert_string_equal (c->files[0].name, "renamed.sys");
  assert_non_null (strstr (c->files[0].dest, "System32/DriverStore/FileRepository/a.inf_amd64_"));
  assert_non_null (strstr (c->files[0].dest, "/Sub/Dir"));
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_a_section_needing_itself_is_installed_once (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  struct ow_drv_choice *c;

  (void) state;
  add_text (set, "a.inf", MINI_HEAD "[inst]\nNeeds=inst,inst,other\nCopyFiles=@m.sys\n"
            "[other]\nNeeds=inst,other\nCopyFiles=@m.sys\n");
  c = choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001");
  assert_int_equal (c->nfiles, 2);      /* [inst] once, [other] once */
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

static void
test_a_copied_file_without_source_disks_files_entry_is_rejected (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  char **rej = NULL;

  (void) state;
  add_text (set, "a.inf", MINI_HEAD "[inst]\nCopyFiles=@other.sys\n");
  assert_null (ow_inf_choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001", &rej));
  assert_true (strv_has (rej, "other.sys is copied but has no [SourceDisksFiles] entry"));
  ow_strv_free (rej);
  ow_inf_set_free (set);
  ow_error_clear ();
}

static void
test_a_copy_without_any_destination_is_rejected (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  char **rej = NULL;
  char *text = strdup (MINI_HEAD "[inst]\nCopyFiles=@m.sys\n");
  char *dd = strstr (text, "[DestinationDirs]");

  (void) state;
  memcpy (dd, "[NotDestination]", 16);
  add_text (set, "a.inf", text);
  assert_null (ow_inf_choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001", &rej));
  assert_true (strv_has (rej, "the copy of m.sys has no [DestinationDirs] entry and no DefaultDestDir"));
  ow_strv_free (rej);
  ow_inf_set_free (set);
  free (text);
  ow_error_clear ();
}

static void
test_a_destination_or_service_name_with_a_path_is_rejected (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  char **rej = NULL;

  (void) state;
  /* [files] line "dest,src": the destination names a path. */
  add_text (set, "a.inf", MINI_HEAD "[inst]\nCopyFiles=files\n"
            "[files]\n..\\..\\Windows\\evil.sys,m.sys\n");
  add_text (set, "b.inf", MINI_HEAD "[inst]\nCopyFiles=@m.sys\n[inst.Services]\n"
            "AddService=..\\Tcpip,2,svc\n[svc]\nServiceType=1\nStartType=0\n"
            "ErrorControl=1\nServiceBinary=%12%\\m.sys\n");
  assert_null (ow_inf_choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001", &rej));
  assert_true (strv_has (rej, "a.inf (pkg): the destination file name \"..\\..\\Windows\\evil.sys\" "
                         "is not a file name"));
  assert_true (strv_has (rej, "b.inf (pkg): the service name \"..\\Tcpip\" is not a key name"));
  ow_strv_free (rej);
  ow_inf_set_free (set);
  /* A destination subdirectory that climbs out. */
  set = ow_inf_set_new (exists, (void *) mini_files);
  add_text (set, "c.inf", MINI_HEAD "[inst]\nCopyFiles=files\n[files]\nm.sys\n"
            "[DestinationDirs]\nfiles=12,..\\..\\Users\n");
  assert_null (ow_inf_choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001", &rej));
  assert_true (strv_has (rej, "c.inf (pkg): the copy of m.sys has a destination subdirectory "
                         "with '..' or ':'"));
  ow_strv_free (rej);
  ow_inf_set_free (set);
  ow_error_clear ();
}

static void
test_unreadable_inf_is_listed_not_dropped (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  char **rej = NULL;

  (void) state;
  add_text (set, "bad.inf", "[Version]\nProvider=%missing%\n");
  assert_null (ow_inf_choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001", &rej));
  assert_true (strv_has (rej, "bad.inf (pkg): not readable: "));
  assert_true (strv_has (rej, "%missing%"));
  ow_strv_free (rej);
  ow_inf_set_free (set);
  ow_error_clear ();
}

static void
test_addreg_types_and_unsupported_directives_in_the_service_section (void **state)
{
  struct ow_inf_set *set = ow_inf_set_new (exists, (void *) mini_files);
  struct ow_drv_choice *c;
  const struct ow_drv_reg *r;

  (void) state;
  add_text (set, "a.inf", MINI_HEAD
            "[inst.NTamd64]\nCopyFiles=@m.sys\nAddProperty=props\nDelReg=x\n"
            "[inst.NTamd64.Services]\nAddService=m,0x2,svc\n"
            "[svc]\nServiceType=1\nStartType=0\nErrorControl=3\nServiceBinary=%13%\\m.sys\n"
            "LoadOrderGroup=SCSI miniport\nAddReg=regs\nDependencies=foo\n"
            "[regs]\n"
            "HKR,Parameters,Multi,0x10000,\"a\",\"b\"\n"
            "HKR,Parameters,Exp,0x20000,\"%%SystemRoot%%\\x\"\n"
            "HKR,Parameters,Bin,0x1,01,ff\n"
            "HKR,Parameters,Keep,0x10003,7\n"
            "HKR,Parameters,Q,0x000B0001,01,00,00,00,00,00,00,00\n"
            "HKR,Parameters,Gone,0x4\n"
            "HKLM,Software\\X,Y,0,\"z\"\n");
  c = choose (set, &win11, "PCI\\VEN_AAAA&DEV_0001");
  assert_string_equal (c->install_section, "inst.NTamd64");
  assert_int_equal (c->services[0].error_control, 3);
  r = reg_find (&c->services[0], "Parameters", "Multi");
  assert_non_null (r);
  assert_int_equal (r->type, OW_REG_MULTI_SZ);
  assert_int_equal (r->len, 10);
  assert_memory_equal (r->data, "a\0\0\0b\0\0\0\0\0", 10);
  r = reg_find (&c->services[0], "Parameters", "Exp");
  assert_int_equal (r->type, OW_REG_EXPAND_SZ);
  r = reg_find (&c->services[0], "Parameters", "Bin");
  assert_int_equal (r->type, OW_REG_BINARY);
  assert_int_equal (r->len, 2);
  assert_memory_equal (r->data, "\x01\xff", 2);
  assert_dword (&c->services[0], "Parameters", "Keep", 7);
  assert_int_equal (reg_find (&c->services[0], "Parameters", "Keep")->flags & 0x2, 0x2);
  r = reg_find (&c->services[0], "Parameters", "Q");
  assert_int_equal (r->type, OW_REG_QWORD);
  assert_int_equal (r->len, 8);
  assert_null (reg_find (&c->services[0], "Parameters", "Gone"));
  assert_true (has_line (c->unsupported, c->nunsupported, "AddProperty=props"));
  assert_true (has_line (c->unsupported, c->nunsupported, "DelReg=x"));
  assert_true (has_line (c->unsupported, c->nunsupported, "Dependencies=foo"));
  assert_true (has_line (c->unsupported, c->nunsupported, "HKR,Parameters,Gone") ||
               has_line (c->unsupported, c->nunsupported, "FLG_ADDREG_DELVAL"));
  assert_true (has_line (c->unsupported, c->nunsupported, "a root other than HKR"));
  ow_drv_choice_free (c);
  ow_inf_set_free (set);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_stamped_viostor_reads_version_and_substituted_strings),
    cmocka_unit_test (test_utf16le_with_bom_reads_like_the_ansi_file),
    cmocka_unit_test (test_utf16le_without_bom_and_utf8_bom_are_read),
    cmocka_unit_test (test_ansi_bytes_are_read_as_windows_1252),
    cmocka_unit_test (test_continuations_comments_and_quotes_follow_the_inf_rules),
    cmocka_unit_test (test_strings_0409_wins_then_strings_then_other_locales),
    cmocka_unit_test (test_a_10mb_line_is_refused_with_its_line_number),
    cmocka_unit_test (test_an_undefined_string_key_is_refused_by_name),
    cmocka_unit_test (test_a_string_that_refers_to_itself_is_refused),
    cmocka_unit_test (test_truncated_utf16_is_refused),
    cmocka_unit_test (test_unclosed_quote_and_section_bracket_are_refused),
    cmocka_unit_test (test_target_os_decorations_parse_per_the_manufacturer_grammar),
    cmocka_unit_test (test_hardware_ids_match_equal_or_more_specific_forms),
    cmocka_unit_test (test_viostor_win10_inf_is_chosen_on_1607_and_the_win11_one_rejected),
    cmocka_unit_test (test_viostor_win11_inf_wins_on_win11_and_copies_to_the_driver_store),
    cmocka_unit_test (test_x86_image_gets_the_x86_inf),
    cmocka_unit_test (test_no_fit_for_arm64_or_an_older_windows_says_why_per_inf),
    cmocka_unit_test (test_vioscsi_and_netkvm_are_chosen_for_their_ids),
    cmocka_unit_test (test_gvnic_is_chosen_for_a_subsys_specific_id),
    cmocka_unit_test (test_xenserver_vbd_and_net_services_come_from_their_infs),
    cmocka_unit_test (test_an_inf_naming_a_missing_file_is_rejected),
    cmocka_unit_test (test_an_inf_without_its_catalog_is_rejected),
    cmocka_unit_test (test_an_include_loop_is_rejected_with_the_chain),
    cmocka_unit_test (test_needs_from_an_included_inf_is_installed_and_a_system_one_listed),
    cmocka_unit_test (test_product_type_decorations_pick_workstation_or_server_models),
    cmocka_unit_test (test_arch_source_disks_and_destination_subdirs_give_the_paths),
    cmocka_unit_test (test_a_section_needing_itself_is_installed_once),
    cmocka_unit_test (test_a_copied_file_without_source_disks_files_entry_is_rejected),
    cmocka_unit_test (test_a_copy_without_any_destination_is_rejected),
    cmocka_unit_test (test_a_destination_or_service_name_with_a_path_is_rejected),
    cmocka_unit_test (test_unreadable_inf_is_listed_not_dropped),
    cmocka_unit_test (test_addreg_types_and_unsupported_directives_in_the_service_section),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
