# Shared by the end-to-end tests of the real executable (sourced, not run). The caller sets
# $creditline (the binary), $work (a scratch directory) and $token (an admin token, before
# create_customer_and_held_order); start_server sets $server (its pid) and $port.

fail() { echo "FAIL: $*" >&2; exit 1; }

# start_server DATA_DIR LOG [serve options...]: on port 0, so the kernel picks a free port,
# which serve prints as "(port N)".
start_server() {
  local dir=$1 log=$2
  shift 2
  # The log exists before the server starts: the background job opens it only once it runs,
  # and a read of a missing log would end the caller (set -e) on a slow machine.
  : >"$log"
  "$creditline" serve --data "$dir" "$@" --listen "127.0.0.1:0" >"$log" 2>&1 &
  server=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$log")
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || fail "serve did not start: $(cat "$log")"
}

# start_postgres: a throwaway PostgreSQL cluster in $work/pg (initdb as the postgres user when
# run as root, trust authentication, a random loopback port); sets $bin (the server binaries),
# $as_postgres (the command prefix to run them), $pg_port and $url. The caller stops it with
# "${as_postgres[@]}" "$bin/pg_ctl" -D "$work/pg" -m immediate stop.
bin=${CREDITLINE_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
as_postgres=()
start_postgres() {
  for program in initdb pg_ctl psql; do
    [[ -x $bin/$program ]] || fail "the PostgreSQL server binaries are missing (no $bin/$program):" \
      "install postgresql-15 (./scripts/setup does) or set CREDITLINE_POSTGRES_BIN"
  done
  if [[ $(id -u) == 0 ]]; then # initdb refuses root.
    chown postgres: "$work"
    as_postgres=(runuser -u postgres --)
  fi
  "${as_postgres[@]}" "$bin/initdb" -D "$work/pg" -U postgres --auth=trust --no-sync \
    --no-instructions -E UTF8 --locale=C >"$work/initdb.log" 2>&1 || fail "$(cat "$work/initdb.log")"
  # A random high port; another process may hold it, so try a few.
  pg_port=
  for _ in 1 2 3 4 5; do
    local candidate=$((20000 + RANDOM % 40000))
    if "${as_postgres[@]}" "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -t 60 \
      -o "-p $candidate -h 127.0.0.1 -k $work" start >/dev/null 2>&1; then
      pg_port=$candidate
      break
    fi
  done
  [[ -n $pg_port ]] || fail "PostgreSQL did not start: $(tail -20 "$work/pg.log")"
  url="postgresql://postgres@127.0.0.1:$pg_port/postgres"
}

# A clean stop: SIGTERM, and serve must exit 0.
stop_server() {
  kill -TERM "$server"
  wait "$server" || fail "serve exited with $? after SIGTERM"
}

# Creates customer C1 (limit 1,000.00 CNY) and order O1 of 1,500.00 CNY, which must be held
# (events 1 and 2). Sets $auth, the curl options with the token.
create_customer_and_held_order() {
  auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
  local body='{"customer_id":"C1","name":"Acme","currency":"CNY","limit_minor":100000}'
  local status
  status=$(curl -s -o "$work/create.json" -w '%{http_code}' "${auth[@]}" \
    -H "Idempotency-Key: k1" -X POST "http://127.0.0.1:$port/v1/customers" -d "$body")
  [[ $status == 201 ]] || fail "create customer answered $status: $(cat "$work/create.json")"
  local order='{"order_id":"O1","customer_id":"C1","amount_minor":150000,"currency":"CNY"}'
  curl -s "${auth[@]}" -H "Idempotency-Key: k2" -X POST "http://127.0.0.1:$port/v1/orders" \
    -d "$order" | grep -q '"decision":"held"' || fail "an order over the limit was not held"
}
