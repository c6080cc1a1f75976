#!/usr/bin/env bash
# Fuzz the JSON API with schemathesis against its own OpenAPI document.
# Starts the app on a free port with a throwaway SQLite database, creates a workspace and an
# API key, then checks: no server errors, no undocumented status codes or content types,
# responses match the schema, and nothing answers without a key. Stops the server itself.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
ST=.venv/bin/st
MAX_EXAMPLES="${API_FUZZ_MAX_EXAMPLES:-25}"
MAX_TIME="${API_FUZZ_MAX_TIME:-110}"

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:${port}"

export TERAKOYA_DATA_DIR="$tmp"
export DATABASE_URL="sqlite:///${tmp}/fuzz.sqlite3"
export TERAKOYA_BASE_URL="$base"
export SECRET_KEY="api-fuzz-$(head -c 24 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')-not-secret-key"
export TERAKOYA_DEBUG=0
export EMAIL_URL="locmem:"
unset REDIS_URL || true

echo "== api-fuzz: migrate a fresh SQLite database"
"$PY" manage.py migrate --noinput -v 0

echo "== api-fuzz: workspace + API key"
"$PY" manage.py shell -v 0 -c '
import json
from django_scopes import scopes_disabled
from terakoya.api.services import create_api_key
from terakoya.catalog.services import create_offer, grant_offer
from terakoya.contacts.services import add_tag, create_contact
from terakoya.workspaces.models import Workspace
with scopes_disabled():
    ws = Workspace.objects.create(name="Fuzz", slug="fuzz", is_default=True)
    other = Workspace.objects.create(name="Other", slug="other")
    contacts = [create_contact(ws, email=f"c{i}@example.com", first_name="花子", last_name="山田")
                for i in range(20)]
    offer = create_offer(ws, name="Course")
    tag = add_tag(ws, contact=contacts[0], name="VIP")
    grant_offer(ws, contact=contacts[1], offer=offer)
    theirs = create_contact(other, email="secret@example.com")
    their_offer = create_offer(other, name="Theirs")
    ids = {"contact": [c.public_id for c in contacts] + [theirs.public_id],
           "offer": [offer.public_id, their_offer.public_id], "tag": [tag.public_id]}
    print(json.dumps({"key": create_api_key(ws, name="fuzz")[1], "ids": ids}))
' >"$tmp/setup.json"
key="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$tmp/setup.json")"
# Real ids (half of the time) so the fuzzer reaches past the 404s; one belongs to another workspace.
"$PY" - "$tmp/setup.json" >"$tmp/schemathesis.toml" <<'PYCODE'
import json, sys

ids = json.load(open(sys.argv[1]))["ids"]
for name, values in ids.items():
    print(f"[dictionaries.{name}_ids]\nvalues = {json.dumps(values)}\n")
print("[parameters]")
for name in ids:
    print(f'"path.{name}_id" = {{ dictionary = "{name}_ids", probability = 0.5 }}')
print('"body.offer_id" = { dictionary = "offer_ids", probability = 0.5 }')
PYCODE

echo "== api-fuzz: start the server on ${base}"
.venv/bin/gunicorn terakoya.wsgi:application --bind "127.0.0.1:${port}" --workers 2 \
  --limit-request-line 0 --log-level warning >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 60); do
  if curl -fsS "${base}/healthz/live" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "${base}/api/v1/openapi.json" >"$tmp/openapi.json"

echo "== api-fuzz: every operation refuses requests without a key (401)"
"$PY" - "$tmp/openapi.json" "$base" <<'PYCODE'
import json, re, sys, urllib.error, urllib.request

schema = json.load(open(sys.argv[1]))
base = sys.argv[2]
failures = []
for path, ops in schema["paths"].items():
    concrete = re.sub(r"\{[^}]+\}", "abc123", path)
    for method, op in ops.items():
        if "401" not in op.get("responses", {}):
            failures.append(f"{method.upper()} {path}: 401 not documented")
        for headers in ({}, {"Authorization": "Bearer tk_not-a-real-key"}):
            req = urllib.request.Request(base + concrete, method=method.upper(), headers=headers)
            try:
                status = urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as exc:
                status = exc.code
            if status != 401:
                failures.append(f"{method.upper()} {path} {headers or 'no key'}: {status}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"ok: {sum(len(o) for o in schema['paths'].values())} operations answer 401 without a key")
PYCODE

echo "== api-fuzz: schemathesis (max ${MAX_EXAMPLES} examples per operation, ${MAX_TIME}s budget)"
status=0
# Run from the temporary directory so schemathesis keeps its cache out of the repository.
(cd "$tmp" && timeout 240 "$OLDPWD/$ST" --config-file "$tmp/schemathesis.toml" run "${base}/api/v1/openapi.json" \
  --header "Authorization: Bearer ${key}" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth \
  --phases examples,coverage,fuzzing \
  --max-examples "$MAX_EXAMPLES" \
  --max-time "$MAX_TIME" \
  --workers 2 \
  --request-timeout 15 \
  --suppress-health-check all \
  --seed 1 \
  --no-color) || status=$?

if [ "$status" -ne 0 ]; then
  echo "== api-fuzz: FAILED (schemathesis exit ${status}); server log:"
  tail -n 80 "$tmp/server.log" || true
  exit "$status"
fi
if grep -q "Traceback" "$tmp/server.log"; then
  echo "== api-fuzz: FAILED: the server logged an exception"
  tail -n 80 "$tmp/server.log"
  exit 1
fi
echo "== api-fuzz: passed"
