#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Completion callback: each job's final state is POSTed to callbackUrl.
# With callbackFingerprint (SHA-256 of the server's SubjectPublicKeyInfo)
# the right key gets it and a wrong pin gets nothing; with callbackCa a
# server certificate from that CA gets it.
. tests/functions.sh
requires python3
. tests/agent-functions.sh

# Server: CA-signed certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=test CA" \
  -keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$TMP/srv.key" -out "$TMP/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$TMP/ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial \
  -days 2 -extfile "$TMP/ext" -out "$TMP/srv.pem" 2>/dev/null
spki=$(openssl x509 -in "$TMP/srv.pem" -pubkey -noout | openssl pkey -pubin -outform DER \
       | openssl dgst -sha256 -r | cut -c1-64)

cat > "$TMP/server.py" <<'PY'
import http.server, ssl, sys, os
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n)
        with open(out, 'ab') as f:
            f.write(body + b'\n')
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
srv = http.server.HTTPServer(('127.0.0.1', 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(sys.argv[4], 'w') as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
PY
python3 "$TMP/server.py" "$TMP/received" "$TMP/srv.pem" "$TMP/srv.key" "$TMP/cbport" &
srv=$!
on_exit "kill $srv"
wait_for 60 test -s "$TMP/cbport" || fail "callback test server did not start"
cburl="https://127.0.0.1:$(cat "$TMP/cbport")/ce-events"
truncate -s 1M "$TMP/zero.img"

run_job() {   # run_job: start agent with the current config, run an inspect job
  : > "$TMP/received"
  start_agent --disk "$TMP/zero.img"
  expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' \
    -d "{\"type\":\"inspect\",\"disk\":\"$TMP/zero.img\"}"
  JOB=$(jq -r .id "$TMP/body")
  expect_eq "$(wait_job "$JOB")" complete "job"
  wait_for 60 grep -qE '"callback\.(sent|failed)"' "$TMP/agent.err" ||
    fail "the agent logged neither callback.sent nor callback.failed"
  stop_agent
}

write_config ".callbackUrl = \"$cburl\" | .callbackFingerprint = \"sha256:$spki\""
run_job
expect_grep '"event":"callback.sent"' "$TMP/agent.err" "pinned callback delivered"
expect_eq "$(jq -r .event "$TMP/received")" jobFinished "event"
expect_eq "$(jq -r .job.id "$TMP/received")" "$JOB" "job id"
expect_eq "$(jq -r .job.status "$TMP/received")" complete "job status"
jq -e '.bootId | length > 0' "$TMP/received" >/dev/null || fail "bootId"

wrong=$(echo x | sha256sum | cut -c1-64)
write_config ".callbackUrl = \"$cburl\" | .callbackFingerprint = \"sha256:$wrong\""
run_job
expect_grep '"event":"callback.failed"' "$TMP/agent.err" "wrong pin refused"
[ ! -s "$TMP/received" ] || fail "callback delivered to a server with the wrong key"
echo "ok: nothing delivered with the wrong pin"

jq -n --arg t "$(make_token)" --arg u "$cburl" --rawfile ca "$TMP/ca.pem" \
  '{token: $t, callbackUrl: $u, callbackCa: $ca}' > "$AGENT_CONFIG"
jq -r .token "$AGENT_CONFIG" > "$AGENT_TOKEN_FILE"
run_job
expect_grep '"event":"callback.sent"' "$TMP/agent.err" "callback verified with callbackCa"
expect_eq "$(jq -r .job.id "$TMP/received")" "$JOB" "job id (CA)"
