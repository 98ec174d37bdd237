#!/usr/bin/env bash
# End-to-end test of the real executable: `creditline init` prints an admin token as its last
# line, `creditline serve` answers over HTTP with it, refuses a second init of the same
# directory, and shuts down cleanly on SIGTERM. Usage: serve_test.sh PATH/TO/creditline
set -euo pipefail
creditline=$1
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

token=$("$creditline" init --data "$work/data" | tail -n 1)
[[ $token == cl_* ]] || fail "init's last line is not a token: $token"
if "$creditline" init --data "$work/data" >/dev/null 2>"$work/init2.err"; then
  fail "a second init of the same directory succeeded"
fi
grep -q "already initialized" "$work/init2.err" || fail "second init gave no clear message"

# Port 0: the kernel picks a free port, and serve prints the one it got.
"$creditline" serve --data "$work/data" --listen "127.0.0.1:0" --time-zone Asia/Shanghai \
  >"$work/serve.log" 2>&1 &
server=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$work/serve.log")
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || fail "serve did not start: $(cat "$work/serve.log")"
curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"status":"ok"' || fail "healthz"

auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
body='{"customer_id":"C1","name":"Acme","currency":"CNY","limit_minor":100000}'
status=$(curl -s -o "$work/create.json" -w '%{http_code}' "${auth[@]}" -H "Idempotency-Key: k1" \
  -X POST "http://127.0.0.1:$port/v1/customers" -d "$body")
[[ $status == 201 ]] || fail "create customer answered $status: $(cat "$work/create.json")"
order='{"order_id":"O1","customer_id":"C1","amount_minor":150000,"currency":"CNY"}'
curl -s "${auth[@]}" -H "Idempotency-Key: k2" -X POST "http://127.0.0.1:$port/v1/orders" \
  -d "$order" | grep -q '"decision":"held"' || fail "an order over the limit was not held"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" \
  "http://127.0.0.1:$port/v1/holds")
[[ $status == 401 ]] || fail "a wrong token answered $status"

kill -TERM "$server"
wait "$server" || fail "serve exited with $? after SIGTERM"
grep -q "stopped" "$work/serve.log" || fail "serve did not report a clean stop"
echo "serve_test: 1 passed, 0 failed"
