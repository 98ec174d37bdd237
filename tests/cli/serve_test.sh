#!/usr/bin/env bash
# End-to-end test of the real executable: `creditline init` prints an admin token as its last
# line, `creditline serve` answers over HTTP with it, refuses a second init of the same
# directory and a second server on it, takes an online backup, shuts down cleanly on SIGTERM,
# and a server started on the backup (or restarted on the directory) has the same data, which
# `creditline verify` checks. Usage: serve_test.sh PATH/TO/creditline
set -euo pipefail
creditline=$1
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

token=$("$creditline" init --data "$work/data" | tail -n 1)
[[ $token == cl_* ]] || fail "init's last line is not a token: $token"
if "$creditline" init --data "$work/data" >/dev/null 2>"$work/init2.err"; then
  fail "a second init of the same directory succeeded"
fi
grep -q "already initialized" "$work/init2.err" || fail "second init gave no clear message"

start_server "$work/data" "$work/serve.log" --time-zone Asia/Shanghai
curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"status":"ok"' || fail "healthz"

create_customer_and_held_order
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong" \
  "http://127.0.0.1:$port/v1/holds")
[[ $status == 401 ]] || fail "a wrong token answered $status"

# One server per data directory.
if "$creditline" serve --data "$work/data" --listen 127.0.0.1:0 >"$work/second.log" 2>&1; then
  fail "a second server on the same data directory started"
else
  [[ $? == 9 ]] || fail "a second server exited with $? rather than 9"
fi
grep -q "is in use by another creditline (pid $server)" "$work/second.log" ||
  fail "the second server gave no clear message: $(cat "$work/second.log")"

# An online backup, then a clean stop.
"$creditline" backup --data "$work/data" --to "$work/backup.db" >"$work/backup.log" ||
  fail "backup failed: $(cat "$work/backup.log")"
stop_server
grep -q "stopped" "$work/serve.log" || fail "serve did not report a clean stop"
"$creditline" verify --data "$work/data" >"$work/verify.log" || fail "verify: $(cat "$work/verify.log")"
# Three records (customer, account, order), and a fourth when the server's daily monitor run
# came before the stop, which a slow machine makes likely.
records=$(sed -n 's/.*verify: OK: \([0-9]*\) journal records.*/\1/p' "$work/verify.log")
[[ -n $records && $records -ge 3 && $records -le 4 ]] || fail "verify: $(cat "$work/verify.log")"

# A restart, and a server started from the backup, both have the held order.
for dir in data restored; do
  if [[ $dir == restored ]]; then
    mkdir "$work/restored"
    cp "$work/backup.db" "$work/restored/journal.db"
    cp "$work/data/tokens.tsv" "$work/restored/"
  fi
  start_server "$work/$dir" "$work/$dir.log" --time-zone Asia/Shanghai
  grep -Eq "recovered [34] events" "$work/$dir.log" || fail "$dir: $(cat "$work/$dir.log")"
  curl -s "${auth[@]}" "http://127.0.0.1:$port/v1/orders/O1" | grep -q '"status":"held"' ||
    fail "$dir: the held order is gone"
  stop_server
done
"$creditline" verify --data "$work/restored" >/dev/null || fail "verify of the restored directory"

# A corrupted journal stops verify with the record's number.
sqlite3 "$work/data/journal.db" "UPDATE journal SET hash = hash + 1 WHERE seq = 2"
if "$creditline" verify --data "$work/data" >/dev/null 2>"$work/verify2.err"; then
  fail "verify passed a corrupted journal"
fi
grep -q "journal record 2 is corrupted" "$work/verify2.err" || fail "$(cat "$work/verify2.err")"
echo "serve_test: 1 passed, 0 failed"
