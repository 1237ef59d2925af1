#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hold ce-agent connection slots with trickling clients (loopback only).

Usage: agent-trickle.py PORT STATUS-FILE STOP-FILE MAX-SECONDS ADDR...
For each source ADDR (127.0.0.x), PER_ADDRESS connections (16, or
$TRICKLE_PER_ADDRESS) to 127.0.0.1:PORT:
TLS handshake, then a request line and an unfinished header, one more byte
every TICK seconds, so the idle timeout never fires.  Connections the agent
closes are opened again (an attacker keeps trying).  After each round it
writes to STATUS-FILE the number of handshakes done so far; it stops when
STOP-FILE exists or after MAX-SECONDS.
"""
import os
import socket
import ssl
import sys
import time

PER_ADDRESS = int(os.environ.get("TRICKLE_PER_ADDRESS", "16"))
TICK = 0.5
HANDSHAKE_TIMEOUT = 0.5


def open_one(ctx, port, addr):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.settimeout(HANDSHAKE_TIMEOUT)
    try:
        raw.bind((addr, 0))
        raw.connect(("127.0.0.1", port))
        s = ctx.wrap_socket(raw)
        s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Trickle: ")
        return s
    except (OSError, ssl.SSLError):
        raw.close()
        return None


def main():
    port, status, stop, max_seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    addrs = sys.argv[5:]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    slots = [[a, None] for a in addrs for _ in range(PER_ADDRESS)]
    handshakes = 0
    end = time.monotonic() + max_seconds
    while time.monotonic() < end and not os.path.exists(stop):
        tick_end = time.monotonic() + TICK
        for slot in slots:
            if slot[1] is None:
                slot[1] = open_one(ctx, port, slot[0])
                handshakes += slot[1] is not None
                continue
            try:
                slot[1].sendall(b"a")
            except (OSError, ssl.SSLError):
                slot[1].close()
                slot[1] = None
        with open(status + ".tmp", "w") as f:
            f.write("%d\n" % handshakes)
        os.replace(status + ".tmp", status)
        time.sleep(max(0.0, tick_end - time.monotonic()))
    for slot in slots:
        if slot[1] is not None:
            slot[1].close()


if __name__ == "__main__":
    main()
