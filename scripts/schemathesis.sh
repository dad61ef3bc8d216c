#!/usr/bin/env bash
# Fuzzes the live demo server with schemathesis against its own OpenAPI document
# (/api/v1/openapi.json), as the secretariat and as a member: no response may
# be a 5xx, and every response must conform to the document. Runs on SQLite, then on a fresh
# PostgreSQL database on the server `ISAC_TEST_POSTGRES` names (default the
# tests' one). Bounded: a few examples per operation and a time budget per
# backend, so it adds about a minute to scripts/test.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv=$PWD/target/schemathesis-venv
scripts=$PWD/scripts
if [[ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != *"$version" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$version"
fi
# The binary the tests use (target/debug/isac-host): after scripts/test's passes
# this builds nothing, where `cargo build -p isac-host` would build the host and
# its dependencies again (its features differ without the dev-dependencies).
cargo test --quiet --workspace --no-run
binary=target/debug/isac-host
postgres="${ISAC_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"

# Serves the demo (extra arguments: its database), fuzzes it as the secretariat,
# then as a member (half the time budget each), stops it.
fuzz() {
    local label=$1 data server base who token status=0
    shift
    data=$(mktemp -d)
    "$binary" demo --listen 127.0.0.1:0 --data "$data" "$@" >"$data/server.log" 2>&1 &
    server=$!
    for _ in $(seq 600); do
        [[ -s "$data/demo-credentials.json" ]] && break
        kill -0 "$server" 2>/dev/null || { cat "$data/server.log" >&2; return 1; }
        sleep 0.1
    done
    base=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["base_url"])' \
        "$data/demo-credentials.json")
    for who in secretariat sakura-bank@council; do
        token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]])' \
            "$data/demo-credentials.json" "$who")
        echo "schemathesis on $label as $who ($base)"
        # The inbox stream never ends for a member, so it is left out (the secretariat
        # is refused it at once). One worker: on CPython 3.11 two threads in `ast.parse`
        # at once (hypothesis describing its filters) fail with a SystemError.
        # It keeps a cache in the folder it runs in: the demo's, removed after.
        (cd "$data" && SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$scripts" \
            "$venv/bin/schemathesis" run "$base/api/v1/openapi.json" --url "$base" \
            --header "Authorization: Bearer $token" --exclude-path /api/v1/inbox/stream \
            --checks not_a_server_error,response_schema_conformance \
            --max-examples 8 --max-time 30 --request-timeout 10 --seed 1 \
            --workers 1 --no-shrink --warnings off) || status=$?
    done
    kill "$server"
    wait "$server" 2>/dev/null || true
    if [[ $status -ne 0 ]]; then
        tail -n 50 "$data/server.log" >&2
    fi
    rm -rf "$data"
    return "$status"
}

fuzz sqlite

database="isac_scratch_schemathesis_$$"
psql "$postgres" -qc "CREATE DATABASE $database"
trap 'psql "$postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)"' EXIT
fuzz postgresql --database-url "${postgres%/*}/$database"
