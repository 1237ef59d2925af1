/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the BCD layer: the Boot Configuration Data store is a
 * registry hive (Objects\{GUID}\Description\Type, Objects\{GUID}\Elements\
 * <8 hex digits>\Element); these functions decode it by name for inspect
 * and resolve bcdedit-style names for the prepare step that edits it.
 * Facts and sources: docs/bcd.md. */
#ifndef OW_BCD_H
#define OW_BCD_H

#include <jansson.h>

#include "internal.h"

/* Element id bits [27:24]: how the Element value is encoded. */
enum ow_bcd_format {
  OW_BCD_DEVICE = 1, OW_BCD_STRING = 2, OW_BCD_OBJECT = 3, OW_BCD_OBJECT_LIST = 4,
  OW_BCD_INTEGER = 5, OW_BCD_BOOLEAN = 6, OW_BCD_INTEGER_LIST = 7,
};
#define OW_BCD_FORMAT(id) (((id) >> 24) & 0xF)
#define OW_BCD_CLASS(id) (((id) >> 28) & 0xF)

/* Object type bits: [31:28] 1 application, [19:0] its kind. */
enum ow_bcd_app {
  OW_BCD_APP_NONE = 0, OW_BCD_APP_BOOTMGR = 2, OW_BCD_APP_OSLOADER = 3,
  OW_BCD_APP_RESUME = 4, OW_BCD_APP_MEMDIAG = 5,
};
/* The application kind an element id is named for, from the object type
 * (settings groups inherit into loaders: named as loader elements). */
enum ow_bcd_app ow_bcd_app_of_type (uint32_t object_type);

#define OW_BCD_BOOTMGR_GUID "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
#define OW_BCD_EMSSETTINGS_GUID "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}"
#define OW_BCD_DBGSETTINGS_GUID "{4636856e-540f-4170-a130-a84776f4c654}"
#define OW_BCD_GLOBALSETTINGS_GUID "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}"

/* bcd/names.c */
/* bcdedit's name of element ID in an object of application kind APP, or
 * NULL (unknown: shown as hex). */
const char *ow_bcd_element_name (uint32_t id, enum ow_bcd_app app);
/* The id of bcdedit name NAME for APP; 0 if unknown. */
uint32_t ow_bcd_element_id (const char *name, enum ow_bcd_app app);
/* The alias ("{bootmgr}") of a well-known object GUID ("{9dea...}"), or NULL. */
const char *ow_bcd_object_alias (const char *guid);
/* "bootmgr", "osloader", ... for an object type, or NULL. */
const char *ow_bcd_object_type_name (uint32_t type);
/* The name of an enumerated integer value of element ID/APP ("IgnoreAllFailures"),
 * or NULL. */
const char *ow_bcd_value_name (uint32_t id, enum ow_bcd_app app, uint64_t v);
/* The integer of value name NAME for element ID/APP; -1 if none. */
int64_t ow_bcd_value_of_name (uint32_t id, enum ow_bcd_app app, const char *name);

/* bcd/element.c */
/* Decode one Element value: REG type REGTYPE, LEN bytes of DATA, of
 * element ID in an object of kind APP.  PT (may be NULL) maps device
 * elements to our partitions.  Returns {"id","name","format","value"...};
 * anything that does not match the format (type, size, an unknown device
 * kind) is kept as hex and described in PROBLEMS (array of strings, may
 * be NULL).  Never fails on bad bytes; NULL only when out of memory. */
json_t *ow_bcd_element_json (uint32_t id, uint32_t regtype, const void *data, size_t len,
                             enum ow_bcd_app app, const struct ow_ptable *pt,
                             json_t *problems);
/* Encode VALUE (JSON: bool, integer, string) as element ID's Element data:
 * *REGTYPE, malloc'd *DATA, *LEN.  -1 (EINVAL) for a value of the wrong kind. */
int ow_bcd_element_encode (uint32_t id, const json_t *value, uint32_t *regtype,
                           void **data, size_t *len);

/* bcd/store.c */
/* The whole store HV as JSON: {"objects":[...], "bootmgr":{...}, "default":{...},
 * "ems":{...}, "debugger":{...}, "problems":[...]}.  A store without
 * {bootmgr} or whose default names no object is reported in "problems";
 * NULL only when out of memory. */
json_t *ow_bcd_store_json (struct ow_hive *hv, const struct ow_ptable *pt);
/* The GUID of object ALIAS ("{bootmgr}", "{default}" = the boot
 * manager's default, "{current}" = the same offline, "{emssettings}"...)
 * or a literal "{guid}" present in HV; malloc'd, NULL if absent (errno 0)
 * or on error. */
char *ow_bcd_resolve_object (struct ow_hive *hv, const char *alias);
/* Object type of GUID (Description\Type); 0 if absent. */
uint32_t ow_bcd_object_type (struct ow_hive *hv, const char *guid);

#endif
