#!/usr/bin/env bash
# End-to-end security checks of the real executable: secrets (API tokens, passwords, session
# cookies, webhook secrets) never reach the server's output, the admin changes made through the
# API and the CLI land in the audit trail, and `creditline audit verify` passes an untouched data
# directory and fails, with a clear message and a non-zero exit, on a journal or admin log that
# was edited or cut short. Usage: security_test.sh PATH/TO/creditline
set -euo pipefail
creditline=$1
work=$(mktemp -d)
server=
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

token=$("$creditline" init --data "$work/data" | tail -n 1)
password='correct-horse-battery-42'
echo "$password" | "$creditline" user add --data "$work/data" --username alice --role admin \
  --password-stdin >/dev/null

start_server "$work/data" "$work/serve.log"
base="http://127.0.0.1:$port"
create_customer_and_held_order
login=$(curl -s -D "$work/login.headers" -H "Content-Type: application/json" \
  -d "{\"username\":\"alice\",\"password\":\"$password\"}" "$base/v1/session")
cookie=$(sed -n 's/^Set-Cookie: \(cl_session=[0-9a-f]*\).*/\1/ip' "$work/login.headers")
[[ -n $cookie ]] || fail "login set no cookie: $login"
csrf=$(echo "$login" | sed -n 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/p')
new_token=$(curl -s -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" -H "Content-Type: application/json" \
  -d '{"role":"sales","name":"erp","reason":"ERP go-live"}' "$base/v1/tokens" |
  sed -n 's/.*"token":"\(cl_[0-9a-f]*\)".*/\1/p')
[[ -n $new_token ]] || fail "no token created through the session"
curl -sf "${auth[@]}" -X PUT -d '{"url":"http://127.0.0.1:9/hook","secret":"hook-secret-4711"}' \
  "$base/v1/webhooks/ops" >/dev/null || fail "webhook not set"
curl -s -H "Authorization: Bearer $new_token" "$base/v1/holds" >/dev/null
curl -s -H "Authorization: Bearer cl_wrong_token_$RANDOM" "$base/v1/holds" >/dev/null
headers=$(curl -s -D - -o /dev/null "${auth[@]}" "$base/v1/holds")
for header in "Cache-Control: no-store" "X-Content-Type-Options: nosniff" \
  "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'"; do
  grep -qi "^$header" <<<"$headers" || fail "API answer without $header: $headers"
done
audit=$(curl -s "${auth[@]}" "$base/v1/audit?source=admin")
grep -q '"command":"token_created"' <<<"$audit" || fail "token creation not audited: $audit"
grep -q '"actor":"user:alice"' <<<"$audit" || fail "the session's user is not the actor: $audit"
grep -q '"command":"webhook_set"' <<<"$audit" || fail "webhook change not audited: $audit"
# `init` records the first admin token and console user it creates, before any other entry.
sed -n 1p "$work/data/admin-audit.jsonl" | grep '"actor":"cli:' | grep -q '"command":"token_created"' ||
  fail "init's admin token is not the first admin audit entry: $(sed -n 1p "$work/data/admin-audit.jsonl")"
sed -n 2p "$work/data/admin-audit.jsonl" | grep -q '"command":"user_created","subject":"admin"' ||
  fail "init's console user is not the second admin audit entry: $(sed -n 2p "$work/data/admin-audit.jsonl")"
stop_server

# No secret in anything the server printed, nor in the audit trail's files.
session=${cookie#cl_session=}
for secret in "$token" "$new_token" "$password" "$session" "$csrf" hook-secret-4711; do
  if grep -qF -- "$secret" "$work/serve.log" "$work/data/admin-audit.jsonl"; then
    fail "a secret reached the server's output or the audit log"
  fi
done
if grep -aqF -e "$token" -e "$new_token" -e "$password" "$work/data/journal.db"; then
  fail "a secret reached the journal"
fi

"$creditline" audit verify --data "$work/data" >"$work/verify.log" 2>&1 ||
  fail "audit verify of an untouched directory: $(cat "$work/verify.log")"
grep -q "audit verify: OK: [0-9]* journal entries .* 5 admin entries" "$work/verify.log" ||
  fail "audit verify: $(cat "$work/verify.log")"

cp "$work/data/journal.db" "$work/journal.intact"
cp "$work/data/admin-audit.jsonl" "$work/admin.intact"
expect_failure() { # expect_failure MESSAGE
  if "$creditline" audit verify --data "$work/data" >/dev/null 2>"$work/verify.err"; then
    fail "audit verify passed a tampered directory (expected: $1)"
  fi
  grep -q "$1" "$work/verify.err" || fail "audit verify said: $(cat "$work/verify.err")"
  cp "$work/journal.intact" "$work/data/journal.db"
  cp "$work/admin.intact" "$work/data/admin-audit.jsonl"
}
last=$(sqlite3 "$work/data/journal.db" "SELECT max(seq) FROM journal")
# (The closing snapshot would give the deletion away too; a careful intruder removes it.)
sqlite3 "$work/data/journal.db" "DELETE FROM journal WHERE seq = $last;
  DELETE FROM snapshot_chunks WHERE seq >= $last; DELETE FROM snapshots WHERE seq >= $last"
expect_failure "records $last to $last were deleted from the end"
sqlite3 "$work/data/journal.db" "DELETE FROM journal WHERE seq = 2"
expect_failure "journal record 2 is missing"
sqlite3 "$work/data/journal.db" "DROP TABLE journal_head"
expect_failure "the journal has no head anchor"
sed -i 's/"sales"/"admin"/' "$work/data/admin-audit.jsonl"
expect_failure "admin audit log: entry 4 was changed after it was written"
sed -i '$d' "$work/data/admin-audit.jsonl"
expect_failure "entries 5 to 5 were deleted from the end"
"$creditline" audit verify --data "$work/data" >/dev/null || fail "restored directory fails"

# TLS with a throwaway certificate: HTTPS answers, old protocol versions and plain HTTP do not,
# the session cookie is Secure, and bad certificate or key files stop serve with a message.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other \
  -keyout "$work/other-key.pem" -out "$work/other-cert.pem" 2>/dev/null
start_server "$work/data" "$work/tls.log" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
grep -q "serving on https://" "$work/tls.log" || fail "no https in: $(cat "$work/tls.log")"
curl -sf --cacert "$work/cert.pem" "https://127.0.0.1:$port/healthz" | grep -q '"status":"ok"' ||
  fail "healthz over TLS"
if curl -s --cacert "$work/cert.pem" --tlsv1 --tls-max 1.1 "https://127.0.0.1:$port/healthz" \
  >/dev/null 2>&1; then
  fail "TLS 1.1 was accepted"
fi
if curl -sf --max-time 5 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
  fail "plain HTTP was answered on the TLS port"
fi
curl -s -D "$work/tls-login.headers" -o /dev/null --cacert "$work/cert.pem" \
  -H "Content-Type: application/json" -d "{\"username\":\"alice\",\"password\":\"$password\"}" \
  "https://127.0.0.1:$port/v1/session"
grep -qi "^Set-Cookie: cl_session=.*; Secure" "$work/tls-login.headers" ||
  fail "the session cookie over TLS is not Secure: $(cat "$work/tls-login.headers")"
stop_server
for files in "$work/missing.pem $work/key.pem:cannot use the TLS certificate" \
  "$work/cert.pem $work/cert.pem:cannot use the TLS private key" \
  "$work/cert.pem $work/other-key.pem:cannot use the TLS private key .*mismatch"; do
  read -r cert key <<<"${files%%:*}"
  if "$creditline" serve --data "$work/data" --listen 127.0.0.1:0 --tls-cert "$cert" \
    --tls-key "$key" >"$work/bad-tls.log" 2>&1; then
    fail "serve started with $cert and $key"
  fi
  grep -q "${files#*:}" "$work/bad-tls.log" || fail "bad TLS files: $(cat "$work/bad-tls.log")"
done
if "$creditline" serve --data "$work/data" --tls-cert "$work/cert.pem" >"$work/half.log" 2>&1; then
  fail "serve started with --tls-cert alone"
fi
grep -q "requires --tls-key" "$work/half.log" || fail "--tls-cert alone: $(cat "$work/half.log")"
echo "security_test: 1 passed, 0 failed"
