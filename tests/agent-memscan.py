#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Count occurrences of a string in a process's writable memory.

Usage: agent-memscan.py PID STRING.  Reads /proc/PID/maps and /proc/PID/mem
(the process must be ours and ptrace-readable); skips mappings over 1 GiB
(AddressSanitizer's shadow, reserved but never touched).  Prints the count
and, for each hit, its address.  Exit 77 when the memory cannot be read.
"""
import re
import sys

MAX_MAPPING = 1 << 30


def main():
    pid, needle = int(sys.argv[1]), sys.argv[2].encode()
    hits = []
    try:
        maps = open("/proc/%d/maps" % pid)
        mem = open("/proc/%d/mem" % pid, "rb", 0)
    except PermissionError as e:
        print("cannot read the process's memory: %s" % e)
        sys.exit(77)
    with maps, mem:
        for line in maps:
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            if not f[1].startswith("rw") or hi - lo > MAX_MAPPING:
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except OSError:
                continue            # guard pages and the like
            hits += [lo + m.start() for m in re.finditer(re.escape(needle), data)]
    print(len(hits), " ".join(hex(a) for a in hits))


if __name__ == "__main__":
    main()
