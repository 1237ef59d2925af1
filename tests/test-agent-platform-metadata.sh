#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The agent reads its boot config from each platform's metadata source when
# --config, fw_cfg and the kernel command line have none: AWS IMDSv2 (token
# then user-data), GCP metadata attribute, Azure IMDS userData and the
# provisioning medium's ovf-env.xml, a config-2 drive, SMBIOS OEM strings.
# HTTP sources are served by a loopback server that refuses requests lacking
# the platform's required headers; an unreachable endpoint does not hang
# the agent, a present but malformed source stops it.  Azure Ready: goal
# state then a health report with state Ready carrying the goal state's ids,
# checked by an independent XML parser.
. tests/functions.sh
. tests/agent-functions.sh
requires python3

DATA=$CE_TOP/tests/data/platform
none=$TMP/does-not-exist
TOKEN=$(jq -r .token "$DATA/config.json")
echo -n "$TOKEN" > "$AGENT_TOKEN_FILE"

cat > "$TMP/server.py" <<'PY'
import json, sys, http.server, os
data, log_path, port_path = sys.argv[1], sys.argv[2], sys.argv[3]
TOKEN = "AQAEAFakeImdsV2SessionToken=="
def body(name):
    with open(os.path.join(data, name), "rb") as f:
        return f.read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, code, payload=b""):
        self.send_response(code)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
    def record(self, payload):
        with open(log_path, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": payload.decode()}) + "\n")
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(n) if n else b""
        self.record(payload)
        h, p, m = self.headers, self.path, self.command
        if m == "PUT" and p == "/latest/api/token":
            if not h.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400)
            return self.reply(200, TOKEN.encode())
        if m == "GET" and p == "/latest/user-data":
            if h.get("X-aws-ec2-metadata-token") != TOKEN:
                return self.reply(401)
            return self.reply(200, body("aws-user-data"))
        if m == "GET" and p == "/computeMetadata/v1/instance/attributes/ce-config":
            if h.get("Metadata-Flavor") != "Google":
                return self.reply(403)
            return self.reply(200, body("gcp-ce-config"))
        if m == "GET" and p == "/metadata/instance/compute/userData?api-version=2021-01-01&format=text":
            if h.get("Metadata") != "true":
                return self.reply(400)
            return self.reply(200, body("azure-imds-userdata"))
        if p.endswith("/machine/?comp=goalstate") and m == "GET":
            if h.get("x-ms-version") != "2012-11-30":
                return self.reply(400)
            gs = body("azure-goalstate.xml")
            if p.startswith("/bad/"):
                gs = gs.replace(b"ContainerId", b"Xontainer")
            return self.reply(200, gs)
        if p == "/machine/?comp=health" and m == "POST":
            if h.get("x-ms-version") != "2012-11-30":
                return self.reply(400)
            return self.reply(200)
        return self.reply(404)
    do_GET = do_PUT = do_POST = handle_any
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(port_path + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(port_path + ".tmp", port_path)
s.serve_forever()
PY
timeout 900 python3 "$TMP/server.py" "$DATA" "$TMP/requests.jsonl" "$TMP/port" &
SERVER_PID=$!
on_exit "kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null"
wait_for 60 test -s "$TMP/port" || true
[ -s "$TMP/port" ] || fail "loopback metadata server did not start"
BASE=http://127.0.0.1:$(cat "$TMP/port")

# run_platform WHAT SOURCE-PATTERN ENV=VALUE...: the agent (no --config,
# no fw_cfg, no command line) must become ready with the recorded token
# and log where the config came from.
run_platform() {
  local what=$1 pat=$2; shift 2
  : > "$TMP/requests.jsonl"
  # Emptied here, not by the redirect below: that happens in the child,
  # and the wait must never see the previous agent's READY line.
  : >"$TMP/agent.out"; : >"$TMP/agent.err"
  env CE_DMI_ROOT="$TMP/no-dmi" "$@" "$CE_AGENT" --host --listen 127.0.0.1:0 \
    --fw-cfg "$none" --proc-cmdline "$none" >"$TMP/agent.out" 2>"$TMP/agent.err" &
  AGENT_PID=$!
  on_exit "_kill_agent $AGENT_PID"
  await_agent_ready "$what"
  expect_grep "boot config from $pat" "$TMP/agent.err" "$what: config source logged"
  AGENT_PORT=$(sed -n 's/.*port=//p' "$TMP/agent.out"); AGENT_URL=https://127.0.0.1:$AGENT_PORT
  expect_status 200 GET /v1/info
  stop_agent
  echo "ok: $what"
}

run_platform "AWS IMDSv2" "AWS IMDSv2 user-data" CE_PLATFORM=aws CE_METADATA_URL="$BASE"
expect_eq "$(jq -sr '[.[] | "\(.method) \(.path)"] | join(",")' "$TMP/requests.jsonl")" \
  "PUT /latest/api/token,GET /latest/user-data" "AWS: token first, then user-data"
expect_eq "$(jq -sr '.[1].headers["x-aws-ec2-metadata-token"]' "$TMP/requests.jsonl")" \
  "AQAEAFakeImdsV2SessionToken==" "AWS: user-data request carries the session token"

run_platform "GCP metadata" "GCP metadata attribute ce-config" CE_PLATFORM=gcp CE_GCP_METADATA_URL="$BASE"
expect_eq "$(jq -sr '.[0].headers["metadata-flavor"]' "$TMP/requests.jsonl")" Google \
  "GCP: Metadata-Flavor header"

run_platform "Azure IMDS" "Azure IMDS userData" CE_PLATFORM=azure CE_METADATA_URL="$BASE" \
  CE_AZURE_MEDIA_DIR="$none"
expect_eq "$(jq -sr '.[0].headers.metadata' "$TMP/requests.jsonl")" true "Azure IMDS: Metadata header"

run_platform "Azure ovf-env.xml" "Azure ovf-env.xml CustomData" CE_PLATFORM=azure \
  CE_METADATA_URL="$BASE" CE_AZURE_MEDIA_DIR="$DATA/azure-media"
[ -s "$TMP/requests.jsonl" ] && fail "Azure: IMDS asked although the medium had CustomData"

run_platform "config-2 drive" "config-2 drive user_data" CE_PLATFORM=nutanix \
  CE_CONFIG_DRIVE_DIR="$DATA/config-2"

mkdir -p "$TMP/smbios-root/firmware/dmi/entries/11-0"
cp "$DATA/smbios-11-0.raw" "$TMP/smbios-root/firmware/dmi/entries/11-0/raw"
: > "$TMP/requests.jsonl"
# Emptied here, not by the redirect below: that happens in the child,
# and the wait must never see the previous agent's READY line.
: >"$TMP/agent.out"; : >"$TMP/agent.err"
env CE_PLATFORM=qemu CE_DMI_ROOT="$TMP/smbios-root" "$CE_AGENT" --host --listen 127.0.0.1:0 \
  --fw-cfg "$none" --proc-cmdline "$none" >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
on_exit "_kill_agent $AGENT_PID"
await_agent_ready "SMBIOS OEM strings"
expect_grep "boot config from SMBIOS OEM string" "$TMP/agent.err" "SMBIOS OEM strings read"
stop_agent

# A present but unusable source stops the agent with a clear message
# rather than falling through to the next one.
mkdir -p "$TMP/bad-media"
sed 's|<ns1:CustomData>.*</ns1:CustomData>|<ns1:CustomData>%%%not-base64</ns1:CustomData>|' \
  "$DATA/azure-ovf-env.xml" > "$TMP/bad-media/ovf-env.xml"
grep -q 'not-base64' "$TMP/bad-media/ovf-env.xml" || fail "test setup: CustomData not replaced"
: > "$TMP/requests.jsonl"
expect_exit 2 env CE_PLATFORM=azure CE_AZURE_MEDIA_DIR="$TMP/bad-media" CE_METADATA_URL="$BASE" \
  CE_DMI_ROOT="$TMP/no-dmi" "$CE_AGENT" --host --listen 127.0.0.1:0 --fw-cfg "$none" --proc-cmdline "$none"
expect_grep "CustomData is not base64" "$TMP/err" "bad CustomData refused"
[ -s "$TMP/requests.jsonl" ] && fail "Azure: IMDS asked after a bad CustomData"

# Not on that platform after all: the endpoint is unreachable; the agent
# refuses promptly instead of hanging.
start=$(date +%s)
expect_exit 2 env CE_PLATFORM=aws CE_METADATA_URL=http://127.0.0.1:1 CE_DMI_ROOT="$TMP/no-dmi" \
  "$CE_AGENT" --host --listen 127.0.0.1:0 --fw-cfg "$none" --proc-cmdline "$none"
expect_grep "none found" "$TMP/err" "unreachable metadata: no config"
(( $(date +%s) - start <= 10 )) || fail "unreachable metadata took more than 10 s"

# Azure Ready report.
: > "$TMP/requests.jsonl"
CE_WIRESERVER_URL=$BASE CE_TEST_BAD_WIRESERVER_URL=$BASE/bad \
  "$CE_TOP/$CE_BUILD/tests/progs/agent-platform-ready" || fail "Azure Ready report"
expect_eq "$(jq -sr '[.[] | "\(.method) \(.path)"] | join(",")' "$TMP/requests.jsonl")" \
  "GET /machine/?comp=goalstate,POST /machine/?comp=health,GET /bad/machine/?comp=goalstate" \
  "Azure: goal state, health; no health report after a bad goal state"
jq -sr '.[1].body' "$TMP/requests.jsonl" > "$TMP/health.xml"
python3 - "$TMP/health.xml" "$DATA/azure-goalstate.xml" <<'PY' || fail "health report content"
import sys, xml.etree.ElementTree as ET
h, g = ET.parse(sys.argv[1]).getroot(), ET.parse(sys.argv[2]).getroot()
assert h.tag == "Health", h.tag
assert h.findtext("GoalStateIncarnation") == g.findtext("Incarnation")
assert h.findtext("Container/ContainerId") == g.findtext("Container/ContainerId")
role = h.find("Container/RoleInstanceList/Role")
assert role.findtext("InstanceId") == g.findtext("Container/RoleInstanceList/RoleInstance/InstanceId")
assert role.findtext("Health/State") == "Ready"
PY
expect_eq "$(jq -sr '.[1].headers["content-type"]' "$TMP/requests.jsonl")" \
  "text/xml;charset=utf-8" "health report content type"
echo "ok: Azure Ready"
