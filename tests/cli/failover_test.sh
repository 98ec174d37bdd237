#!/usr/bin/env bash
# Hot standby on PostgreSQL, end to end with the real executable, in a throwaway cluster:
#  1. the crash test in standby-pair mode: two servers on one database, the active one killed
#     with SIGKILL under load in each round, the standby taking over; every acknowledged
#     command must be on the new active server (crash_test.cpp says what it checks);
#  2. a deposed active server: its database session is terminated (as a network failure or a
#     DBA would), the standby takes the lease over, and the old server notices, refuses writes,
#     starts over and becomes the standby of the new active one, following what it writes.
# Usage: failover_test.sh PATH/TO/creditline PATH/TO/crash_test [ROUNDS]
set -euo pipefail
creditline=$1
crash_test=$2
rounds=${3:-3}
work=$(mktemp -d)
server=
cleanup() {
  kill "$server" "${second:-}" 2>/dev/null || true
  "${as_postgres[@]}" "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

start_postgres
"$crash_test" --binary "$creditline" --store "$url" --standby --rounds "$rounds" --clients 4 \
  --seed 7 --work-dir "$work/crash" || fail "the crash test of the standby pair failed"

# 2. A deposed active server, in its own schema of the same database.
sql() { "$bin/psql" -tA -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "$1"; }
sql "CREATE SCHEMA deposed" >/dev/null
schema_url="$url?options=-csearch_path%3Ddeposed"
token=$("$creditline" init --data "$work/a" --store "$schema_url" | tail -n 1)
mkdir "$work/b" && cp "$work/a/tokens.tsv" "$work/b/"

health() { curl -s "http://127.0.0.1:$1/healthz"; }
# wait_for PORT REGEX: until /healthz matches, for up to 15 s.
wait_for() {
  for _ in $(seq 150); do
    health "$1" | grep -q "$2" && return 0
    sleep 0.1
  done
  fail "/healthz on port $1 never matched $2: $(health "$1")"
}

start_server "$work/a" "$work/a.log" --store "$schema_url"
port_a=$port server_a=$server
wait_for "$port_a" '"role":"active"'
create_customer_and_held_order
seq_of() { health "$1" | sed -n 's/.*"seq":\([0-9]*\).*/\1/p'; }
seq_a=$(seq_of "$port_a")
start_server "$work/b" "$work/b.log" --store "$schema_url"
port_b=$port second=$server server=$server_a
wait_for "$port_b" "\"seq\":$seq_a,.*\"role\":\"standby\""

# The writer's session holds the lease; end it from the database side.
terminated=$(sql "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted")
[[ $terminated == 1 ]] || fail "expected one lease holder to terminate, found $terminated"
wait_for "$port_b" '"role":"active"'
# The deposed server starts over and listens again (on a new port: the test listens on port 0).
for _ in $(seq 150); do
  grep -q "as a standby" "$work/a.log" && break
  sleep 0.1
done
grep -q "starting over" "$work/a.log" || fail "the deposed server did not start over: $(cat "$work/a.log")"
port_a=$(sed -n 's/.*(port \([0-9]*\)).*as a standby.*/\1/p' "$work/a.log" | tail -n 1)
[[ -n $port_a ]] || fail "the deposed server did not come back as a standby: $(cat "$work/a.log")"
wait_for "$port_a" '"role":"standby"'
grep -q "took over as the active server" "$work/b.log" || fail "$(cat "$work/b.log")"

# The old server refuses commands; the new one takes them, and the old one follows.
body='{"customer_id":"C2","name":"Beta","currency":"CNY","limit_minor":100}'
status=$(curl -s -o "$work/refused.json" -w '%{http_code}' "${auth[@]}" -H "Idempotency-Key: k3" \
  -X POST "http://127.0.0.1:$port_a/v1/customers" -d "$body")
[[ $status == 503 ]] && grep -q '"code":"standby"' "$work/refused.json" ||
  fail "the deposed server answered $status: $(cat "$work/refused.json")"
status=$(curl -s -o "$work/created.json" -w '%{http_code}' "${auth[@]}" -H "Idempotency-Key: k3" \
  -X POST "http://127.0.0.1:$port_b/v1/customers" -d "$body")
[[ $status == 201 ]] || fail "the new active server answered $status: $(cat "$work/created.json")"
wait_for "$port_a" "\"seq\":$(seq_of "$port_b"),"
curl -s "${auth[@]}" "http://127.0.0.1:$port_a/v1/customers/C2" | grep -q '"name":"Beta"' ||
  fail "the deposed server, now a standby, does not serve what the new active server wrote"
"$creditline" verify --store "$schema_url" >"$work/verify.log" || fail "$(cat "$work/verify.log")"
kill -TERM "$second" && wait "$second" || fail "the new active server did not stop cleanly"
stop_server
echo "failover test passed"
