#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Poll latency of ce-agent while a POST /v1/complete is in flight.

Opens CLIENTS keep-alive HTTPS connections to 127.0.0.1:PORT (keep-alive:
a connection stays on the server thread that accepted it, so a blocked
thread shows), sends POST /v1/complete {"force":true} on another one, waits
for the agent's log to say the complete is under way, then has every
client poll GET /v1/health and GET /v1/jobs/JOB in turn, each (one poll per POLL_INTERVAL at
most) for at most SECONDS or REQUESTS requests.  Then it opens RELEASE (a FIFO the job's disk
open waits on) so the complete can finish, and prints one JSON line:
{"requests","errors","p50Ms","p99Ms","maxMs","completeInFlight","completeStatus"}.
"""
import http.client
import json
import os
import ssl
import sys
import threading
import time

REQUEST_TIMEOUT = 5.0
# Each client polls at most this often, as a connector would (a client that
# never pauses measures the machine's saturation, not the agent's waits).
POLL_INTERVAL = 0.02
LOG_WAIT_SECONDS = 30.0
COMPLETE_TIMEOUT = 120.0


def connect(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT,
                                       context=ctx)


def get(conn, path, token):
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    r.read()
    return r.status


def main():
    port, token_file, job, agent_log, release = sys.argv[1:6]
    clients, seconds, requests = int(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
    port = int(port)
    token = open(token_file).read().strip()

    conns = [connect(int(port)) for _ in range(clients)]
    for c in conns:
        if get(c, "/v1/health", token) != 200:
            sys.exit("warm-up request failed")

    done = {}

    def complete():
        c = connect(port)
        c.timeout = COMPLETE_TIMEOUT
        c.request("POST", "/v1/complete", body=b'{"force":true}',
                  headers={"Authorization": "Bearer " + token,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        done["status"] = r.status
        done["body"] = r.read().decode()

    # POLL_BASELINE=1: the same polls with no complete, for comparison.
    baseline = os.environ.get("POLL_BASELINE") == "1"
    ct = threading.Thread(target=complete, daemon=True)
    if not baseline:
        ct.start()
    until = time.monotonic() + LOG_WAIT_SECONDS
    while not baseline:
        with open(agent_log, errors="replace") as f:
            if '"event":"complete.force"' in f.read():
                break
        if time.monotonic() > until:
            sys.exit("the agent never logged complete.force")
        time.sleep(0.05)

    lat, errors = [], []
    lock = threading.Lock()

    def poll(c):
        end = time.monotonic() + seconds
        mine, n = [], 0
        while n < requests and time.monotonic() < end:
            path = "/v1/health" if n % 2 == 0 else "/v1/jobs/" + job
            t0 = time.monotonic()
            try:
                st = get(c, path, token)
                if st != 200:
                    raise RuntimeError("HTTP %d" % st)
            except Exception as e:          # a timeout is the failure we look for
                with lock:
                    errors.append("%s: %s" % (path, e))
                break
            t1 = time.monotonic()
            mine.append((t1 - t0) * 1000.0)
            n += 1
            time.sleep(max(0.0, POLL_INTERVAL - (t1 - t0)))
        with lock:
            lat.extend(mine)

    ts = [threading.Thread(target=poll, args=(c,)) for c in conns]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    in_flight = ct.is_alive()
    if baseline:
        ct.start()

    # Let the job's disk open return, so that the complete can finish.
    fd = os.open(release, os.O_WRONLY)
    os.close(fd)
    ct.join(COMPLETE_TIMEOUT)

    lat.sort()
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 2) if lat else None
    print(json.dumps({"requests": len(lat), "errors": len(errors), "firstError": errors[:1],
                      "p50Ms": pick(0.50), "p99Ms": pick(0.99),
                      "maxMs": round(lat[-1], 2) if lat else None,
                      "completeInFlight": in_flight,
                      "completeStatus": done.get("status"),
                      "completeBody": done.get("body")}))


if __name__ == "__main__":
    main()
