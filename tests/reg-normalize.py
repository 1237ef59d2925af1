#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# reg-normalize.py EXPORT.reg OLD=NEW...: the values of a hivexregedit
# --export --unsafe-printable-strings file as "key|value|type|data" lines,
# REG_MULTI_SZ decoded, every OLD replaced by NEW in key paths and string
# data (so two writers' package names compare), sorted.  Key paths and
# names are compared case-insensitively, as Windows does: lower-cased.
import re
import sys


def decode_multi(hexdata):
    b = bytes(int(x, 16) for x in hexdata.split(",") if x)
    return "[" + ",".join(s for s in b.decode("utf-16-le").split("\0") if s) + "]"


def main():
    subst = [a.split("=", 1) for a in sys.argv[2:]]
    key, out = None, []
    for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
        line = line.rstrip("\r\n")
        m = re.match(r"^\[(.*)\]$", line)
        if m:
            key = m.group(1)
            continue
        m = re.match(r'^(@|"(?:[^"\\]|\\.)*")=(.*)$', line)
        if not m or key is None:
            continue
        name, data = m.group(1), m.group(2)
        if data.startswith("hex(7):"):
            kind, data = "multi", decode_multi(data[7:])
        elif data.startswith("str("):
            kind, data = "sz", data[data.index(":") + 1:].strip('"')
        else:
            kind = "raw"
        k = key
        for old, new in subst:
            k, name, data = k.replace(old, new), name.replace(old, new), data.replace(old, new)
        if kind == "sz" and name.lower() == '"imagepath"':
            data = data.lower()
        out.append("|".join((k.lower(), name.lower(), kind, data)))
    print("\n".join(sorted(set(out))))


main()
