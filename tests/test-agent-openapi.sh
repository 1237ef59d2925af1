#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# docs/openapi.yaml is a valid OpenAPI 3 document (swagger-cli, from
# tests/openapi/), and every route the agent serves (ce-agent --list-routes)
# is in it with its method; docs/api.md names every route too.
. tests/functions.sh
requires jq
cli=$CE_TOP/tests/openapi/node_modules/.bin/swagger-cli
[ -x "$cli" ] || fail "OpenAPI validator not installed: scripts/install-deps runs npm ci --prefix tests/openapi"
requires node
"$cli" validate docs/openapi.yaml
"$cli" bundle -t json -o "$TMP/api.json" docs/openapi.yaml
"$CE_TOP/$CE_BUILD/bin/ce-agent" --list-routes > "$TMP/routes"
[ "$(wc -l < "$TMP/routes")" -ge 9 ] || fail "too few routes listed"
while read -r method path; do
  m=$(tr 'A-Z' 'a-z' <<< "$method")
  jq -e --arg p "$path" --arg m "$m" '.paths[$p][$m] != null' "$TMP/api.json" >/dev/null \
    || fail "$method $path is not in docs/openapi.yaml"
  grep -qF "$method $path" docs/api.md || fail "$method $path is not in docs/api.md"
  echo "ok: $method $path documented"
done < "$TMP/routes"
# And nothing documented that the agent does not serve.
jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | select(. != "parameters") | "\(ascii_upcase) \($p)"' \
  "$TMP/api.json" | sort > "$TMP/documented"
sort "$TMP/routes" > "$TMP/served"
diff "$TMP/served" "$TMP/documented" || fail "documented routes differ from served routes"
echo "ok: documented routes = served routes"
