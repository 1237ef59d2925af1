/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bcdedit's names for BCD element ids, well-known objects and enumerated
 * values (sources in docs/bcd.md: ReactOS bcd.h, Microsoft's BCD WMI
 * element enumerations, Geoff Chappell's element table as transcribed in
 * Visus.DeploymentToolkit's BcdElementType.cs).  Application-class ids
 * (0x2xxxxxxx) mean different things in different applications, so they
 * are named per application kind; library-class ids (0x1xxxxxxx) are the
 * same in every object. */
#include <stdlib.h>
#include <strings.h>

#include "bcd.h"

#define ANY OW_BCD_APP_NONE   /* library class: any object */
#define MGR OW_BCD_APP_BOOTMGR
#define OSL OW_BCD_APP_OSLOADER
#define RES OW_BCD_APP_RESUME
#define MEM OW_BCD_APP_MEMDIAG

static const struct { uint32_t id; enum ow_bcd_app app; const char *name; } elements[] = {
  { 0x11000001, ANY, "device" }, { 0x12000002, ANY, "path" },
  { 0x12000004, ANY, "description" }, { 0x12000005, ANY, "locale" },
  { 0x14000006, ANY, "inherit" }, { 0x15000007, ANY, "truncatememory" },
  { 0x14000008, ANY, "recoverysequence" }, { 0x16000009, ANY, "recoveryenabled" },
  { 0x1700000a, ANY, "badmemorylist" }, { 0x1600000b, ANY, "badmemoryaccess" },
  { 0x1500000c, ANY, "firstmegabytepolicy" }, { 0x1500000d, ANY, "relocatephysical" },
  { 0x1500000e, ANY, "avoidlowmemory" }, { 0x16000010, ANY, "bootdebug" },
  { 0x15000011, ANY, "debugtype" }, { 0x15000012, ANY, "debugaddress" },
  { 0x15000013, ANY, "debugport" }, { 0x15000014, ANY, "baudrate" },
  { 0x15000015, ANY, "channel" }, { 0x12000016, ANY, "targetname" },
  { 0x16000017, ANY, "noumex" }, { 0x15000018, ANY, "debugstart" },
  { 0x12000019, ANY, "busparams" }, { 0x1500001a, ANY, "hostip" },
  { 0x1500001b, ANY, "port" }, { 0x1600001c, ANY, "dhcp" }, { 0x1200001d, ANY, "key" },
  { 0x16000020, ANY, "bootems" }, { 0x15000022, ANY, "emsport" },
  { 0x15000023, ANY, "emsbaudrate" }, { 0x12000030, ANY, "loadoptions" },
  { 0x16000040, ANY, "advancedoptions" }, { 0x16000041, ANY, "optionsedit" },
  { 0x15000042, ANY, "keyringaddress" }, { 0x11000043, ANY, "bootstatdevice" },
  { 0x12000044, ANY, "bootstatfilepath" }, { 0x16000045, ANY, "preservebootstat" },
  { 0x16000046, ANY, "graphicsmodedisabled" }, { 0x15000047, ANY, "configaccesspolicy" },
  { 0x16000048, ANY, "nointegritychecks" }, { 0x16000049, ANY, "testsigning" },
  { 0x1200004a, ANY, "fontpath" }, { 0x1500004b, ANY, "integrityservices" },
  { 0x1500004c, ANY, "volumebandid" }, { 0x16000050, ANY, "extendedinput" },
  { 0x15000051, ANY, "initialconsoleinput" }, { 0x15000052, ANY, "graphicsresolution" },
  { 0x16000053, ANY, "restartonfailure" }, { 0x16000054, ANY, "highestmode" },
  { 0x16000060, ANY, "isolatedcontext" }, { 0x15000065, ANY, "displaymessage" },
  { 0x15000066, ANY, "displaymessageoverride" }, { 0x16000068, ANY, "nobootuxtext" },
  { 0x16000069, ANY, "nobootuxprogress" }, { 0x1600006a, ANY, "nobootuxfade" },
  { 0x1600006c, ANY, "bootuxdisabled" }, { 0x16000072, ANY, "nokeyboard" },
  { 0x16000074, ANY, "bootshutdowndisabled" }, { 0x17000077, ANY, "allowedinmemorysettings" },
  { 0x1500007d, ANY, "booterrorux" }, { 0x1600007e, ANY, "flightsigning" },
  { 0x1500007f, ANY, "measuredbootlogformat" }, { 0x15000080, ANY, "displayrotation" },
  { 0x15000081, ANY, "logcontrol" }, { 0x16000082, ANY, "nofirmwaresync" },
  { 0x11000084, ANY, "windowssyspart" }, { 0x16000087, ANY, "numlock" },
  /* Windows Boot Manager */
  { 0x24000001, MGR, "displayorder" }, { 0x24000002, MGR, "bootsequence" },
  { 0x23000003, MGR, "default" }, { 0x25000004, MGR, "timeout" },
  { 0x26000005, MGR, "resume" }, { 0x23000006, MGR, "resumeobject" },
  { 0x24000010, MGR, "toolsdisplayorder" }, { 0x26000020, MGR, "displaybootmenu" },
  { 0x26000021, MGR, "noerrordisplay" }, { 0x21000022, MGR, "bcddevice" },
  { 0x22000023, MGR, "bcdfilepath" }, { 0x26000028, MGR, "processcustomactionsfirst" },
  { 0x27000030, MGR, "customactions" }, { 0x26000031, MGR, "persistbootsequence" },
  /* Windows Boot Loader */
  { 0x21000001, OSL, "osdevice" }, { 0x22000002, OSL, "systemroot" },
  { 0x23000003, OSL, "resumeobject" }, { 0x26000004, OSL, "stampdisks" },
  { 0x26000010, OSL, "detecthal" }, { 0x22000011, OSL, "kernel" },
  { 0x22000012, OSL, "hal" }, { 0x22000013, OSL, "dbgtransport" },
  { 0x25000020, OSL, "nx" }, { 0x25000021, OSL, "pae" }, { 0x26000022, OSL, "winpe" },
  { 0x26000024, OSL, "nocrashautoreboot" }, { 0x26000025, OSL, "lastknowngood" },
  { 0x26000026, OSL, "oslnointegritychecks" }, { 0x26000027, OSL, "osltestsigning" },
  { 0x26000030, OSL, "nolowmem" }, { 0x25000031, OSL, "removememory" },
  { 0x25000032, OSL, "increaseuserva" }, { 0x26000040, OSL, "vga" },
  { 0x26000041, OSL, "quietboot" }, { 0x26000042, OSL, "novesa" },
  { 0x26000060, OSL, "onecpu" }, { 0x25000061, OSL, "numproc" },
  { 0x26000062, OSL, "maxproc" }, { 0x25000063, OSL, "configflags" },
  { 0x26000070, OSL, "usefirmwarepcisettings" }, { 0x25000071, OSL, "msi" },
  { 0x25000072, OSL, "pciexpress" }, { 0x25000080, OSL, "safeboot" },
  { 0x26000081, OSL, "safebootalternateshell" }, { 0x26000090, OSL, "bootlog" },
  { 0x26000091, OSL, "sos" }, { 0x260000a0, OSL, "debug" },
  { 0x260000a1, OSL, "halbreakpoint" }, { 0x260000a2, OSL, "useplatformclock" },
  { 0x260000a3, OSL, "forcelegacyplatform" }, { 0x250000a6, OSL, "tscsyncpolicy" },
  { 0x260000b0, OSL, "ems" }, { 0x250000c1, OSL, "driverloadfailurepolicy" },
  { 0x250000c2, OSL, "bootmenupolicy" }, { 0x260000c3, OSL, "onetimeadvancedoptions" },
  { 0x250000e0, OSL, "bootstatuspolicy" }, { 0x260000e1, OSL, "disableelamdrivers" },
  { 0x250000f0, OSL, "hypervisorlaunchtype" }, { 0x250000f3, OSL, "hypervisordebugtype" },
  { 0x26000116, OSL, "hypervisorusevapic" },
  /* Windows Resume Application */
  { 0x21000001, RES, "filedevice" }, { 0x22000002, RES, "filepath" },
  { 0x26000003, RES, "customsettings" }, { 0x26000004, RES, "pae" },
  { 0x21000005, RES, "associatedosdevice" }, { 0x26000006, RES, "debugoptionenabled" },
  { 0x25000007, RES, "bootux" }, { 0x25000008, RES, "bootmenupolicy" },
  /* Windows Memory Tester */
  { 0x25000001, MEM, "passcount" }, { 0x25000002, MEM, "testmix" },
  { 0x26000003, MEM, "failurecount" }, { 0x26000004, MEM, "cacheenable" },
};

static const struct { const char *guid, *alias; } objects[] = {
  { OW_BCD_BOOTMGR_GUID, "{bootmgr}" },
  { "{a5a30fa2-3d06-4e9f-b5f4-a01df9d1fcba}", "{fwbootmgr}" },
  { OW_BCD_GLOBALSETTINGS_GUID, "{globalsettings}" },
  { "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}", "{bootloadersettings}" },
  { "{1afa9c49-16ab-4a5c-901b-212802da9460}", "{resumeloadersettings}" },
  { OW_BCD_DBGSETTINGS_GUID, "{dbgsettings}" },
  { OW_BCD_EMSSETTINGS_GUID, "{emssettings}" },
  { "{5189b25c-5558-4bf2-bca4-289b11bd29e2}", "{badmemory}" },
  { "{b2721d73-1db4-4c62-bf78-c548a880142d}", "{memdiag}" },
  { "{7ff607e0-4395-11db-b0de-0800200c9a66}", "{hypervisorsettings}" },
  { "{466f5a88-0af2-4f76-9038-095b170dc21c}", "{ntldr}" },
  { "{313e8eed-7098-4586-a9bf-309c61f8d449}", "{ramdiskoptions}" },
};

static const struct { uint32_t id; enum ow_bcd_app app; uint64_t v; const char *name; } values[] = {
  { 0x250000e0, OSL, 0, "DisplayAllFailures" }, { 0x250000e0, OSL, 1, "IgnoreAllFailures" },
  { 0x250000e0, OSL, 2, "IgnoreShutdownFailures" }, { 0x250000e0, OSL, 3, "IgnoreBootFailures" },
  { 0x250000e0, OSL, 4, "IgnoreCheckpointFailures" },
  { 0x250000e0, OSL, 5, "DisplayShutdownFailures" },
  { 0x250000e0, OSL, 6, "DisplayBootFailures" },
  { 0x250000e0, OSL, 7, "DisplayCheckpointFailures" },
  { 0x25000020, OSL, 0, "OptIn" }, { 0x25000020, OSL, 1, "OptOut" },
  { 0x25000020, OSL, 2, "AlwaysOff" }, { 0x25000020, OSL, 3, "AlwaysOn" },
  { 0x25000021, OSL, 0, "Default" }, { 0x25000021, OSL, 1, "ForceEnable" },
  { 0x25000021, OSL, 2, "ForceDisable" },
  { 0x25000080, OSL, 0, "Minimal" }, { 0x25000080, OSL, 1, "Network" },
  { 0x25000080, OSL, 2, "DsRepair" },
  { 0x250000c2, OSL, 0, "Legacy" }, { 0x250000c2, OSL, 1, "Standard" },
  { 0x250000f0, OSL, 0, "Off" }, { 0x250000f0, OSL, 1, "Auto" },
  { 0x15000011, ANY, 0, "Serial" }, { 0x15000011, ANY, 1, "1394" },
  { 0x15000011, ANY, 2, "USB" }, { 0x15000011, ANY, 3, "NET" }, { 0x15000011, ANY, 4, "Local" },
  { 0x1500004b, ANY, 0, "Default" }, { 0x1500004b, ANY, 1, "Enable" },
  { 0x1500004b, ANY, 2, "Disable" },
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

enum ow_bcd_app
ow_bcd_app_of_type (uint32_t type)
{
  /* Applications (class 1) and inheritable settings groups (class 2)
   * carry the application kind in their low 20 bits. */
  uint32_t cls = type >> 28, kind = type & 0xFFFFF;

  if ((cls == 1 || cls == 2) && kind >= OW_BCD_APP_BOOTMGR && kind <= OW_BCD_APP_MEMDIAG)
    return (enum ow_bcd_app) kind;
  return OW_BCD_APP_NONE;
}

static bool
applies (uint32_t id, enum ow_bcd_app entry_app, enum ow_bcd_app app)
{
  return OW_BCD_CLASS (id) == 1 ? entry_app == ANY : entry_app == app && app != ANY;
}

const char *
ow_bcd_element_name (uint32_t id, enum ow_bcd_app app)
{
  for (size_t i = 0; i < COUNT (elements); i++)
    if (elements[i].id == id && applies (id, elements[i].app, app))
      return elements[i].name;
  return NULL;
}

uint32_t
ow_bcd_element_id (const char *name, enum ow_bcd_app app)
{
  for (size_t i = 0; i < COUNT (elements); i++)
    if (strcasecmp (elements[i].name, name) == 0 &&
        applies (elements[i].id, elements[i].app, app))
      return elements[i].id;
  return 0;
}

const char *
ow_bcd_object_alias (const char *guid)
{
  for (size_t i = 0; guid && i < COUNT (objects); i++)
    if (strcasecmp (objects[i].guid, guid) == 0)
      return objects[i].alias;
  return NULL;
}

/* For ow_bcd_resolve_object: the GUID of a well-known alias. */
const char *ow_bcd_alias_guid (const char *alias);
const char *
ow_bcd_alias_guid (const char *alias)
{
  for (size_t i = 0; i < COUNT (objects); i++)
    if (strcasecmp (objects[i].alias, alias) == 0)
      return objects[i].guid;
  return NULL;
}

const char *
ow_bcd_object_type_name (uint32_t type)
{
  switch (type) {
  case 0x10100002: return "bootmgr";
  case 0x101fffff: return "firmware-application";
  case 0x10200003: return "osloader";
  case 0x10200004: return "resume";
  case 0x10200005: return "memdiag";
  case 0x10300006: return "ntldr";
  case 0x10400008: return "bootsector";
  case 0x20100000: return "settings";
  case 0x20200003: return "osloader-settings";
  case 0x20200004: return "resume-settings";
  case 0x30000000: return "device";
  default: return NULL;
  }
}

const char *
ow_bcd_value_name (uint32_t id, enum ow_bcd_app app, uint64_t v)
{
  for (size_t i = 0; i < COUNT (values); i++)
    if (values[i].id == id && values[i].v == v && applies (id, values[i].app, app))
      return values[i].name;
  return NULL;
}

int64_t
ow_bcd_value_of_name (uint32_t id, enum ow_bcd_app app, const char *name)
{
  for (size_t i = 0; i < COUNT (values); i++)
    if (values[i].id == id && strcasecmp (values[i].name, name) == 0 &&
        applies (id, values[i].app, app))
      return (int64_t) values[i].v;
  return -1;
}
