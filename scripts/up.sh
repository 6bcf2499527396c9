#!/usr/bin/env bash
#
# `npm run up`: run hookrelay locally, from a fresh machine to a working API.
#
#   1. installs what is missing (npm deps, Prisma client, redis-server, Postgres),
#   2. starts Postgres and Redis with data under .data/ (unless DATABASE_URL / REDIS_URL
#      point at existing servers; then that server is used and none is started),
#   3. creates secrets once in .data/secrets.env (mode 600),
#   4. builds, migrates, ensures a demo account, prints a banner,
#   5. runs the API + HOOKRELAY_WORKER_PROCESSES delivery workers in the foreground with
#      prefixed output until Ctrl-C / SIGTERM, or until any of them dies (exit 1).
#      Either way it stops everything it started: app processes first, then Redis and
#      Postgres.
#
# Knobs: HOOKRELAY_PG_PORT (55432), HOOKRELAY_REDIS_PORT (56379), PORT (7780),
# HOST (127.0.0.1), HOOKRELAY_WORKER_PROCESSES (1), HOOKRELAY_ALLOW_HTTP_URLS (true),
# HOOKRELAY_EGRESS_ALLOW_CIDRS (127.0.0.0/8,::1/128),
# LOG_LEVEL (info), DATABASE_URL, REDIS_URL, HOOKRELAY_ADMIN_KEY,
# HOOKRELAY_ENCRYPTION_KEYS, HOOKRELAY_WORKER_CONCURRENCY.
# Functions reached only from traps look unreachable to shellcheck:
# shellcheck disable=SC2317
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"

DATA_DIR=$ROOT/.data
PG_DIR=$DATA_DIR/postgres
REDIS_DIR=$DATA_DIR/redis
SECRETS_FILE=$DATA_DIR/secrets.env
DEMO_STATE=.data/demo-account.json
UP_PID_FILE=$DATA_DIR/up.pid
APP_PIDS_FILE=$DATA_DIR/app.pids

PG_PORT=${HOOKRELAY_PG_PORT:-55432}
REDIS_PORT=${HOOKRELAY_REDIS_PORT:-56379}
WORKER_PROCESSES=${HOOKRELAY_WORKER_PROCESSES:-1}
export PORT=${PORT:-7780}
export HOST=${HOST:-127.0.0.1}
export HOOKRELAY_ALLOW_HTTP_URLS=${HOOKRELAY_ALLOW_HTTP_URLS:-true}
# Local receivers live on loopback, which the egress guard refuses by default; production must
# not do this. Set it empty (HOOKRELAY_EGRESS_ALLOW_CIDRS=) for the guard as in production.
export HOOKRELAY_EGRESS_ALLOW_CIDRS=${HOOKRELAY_EGRESS_ALLOW_CIDRS-127.0.0.0/8,::1/128}
export LOG_LEVEL=${LOG_LEVEL:-info}

# What this run started, so cleanup stops exactly that and nothing else.
STARTED_PG=0
STARTED_REDIS=0
APP_PIDS=()
APP_NAMES=()
STOPPING=0
SUPERVISING=0
CLEANED_UP=0

# ---------------------------------------------------------------------------

check_args() {
  [[ "$WORKER_PROCESSES" =~ ^[0-9]+$ ]] ||
    hr_die "HOOKRELAY_WORKER_PROCESSES must be a non-negative integer (got '$WORKER_PROCESSES')"
  local p
  for p in "$PG_PORT" "$REDIS_PORT" "$PORT"; do
    [[ "$p" =~ ^[0-9]+$ ]] || hr_die "ports must be numbers (got '$p')"
  done
}

# Refuse to run twice in one checkout (the second run would restart the first one's
# servers); a stale pid file from a crashed run is ignored.
claim_checkout() {
  mkdir -p "$DATA_DIR"
  local pid
  pid=$(cat "$UP_PID_FILE" 2>/dev/null || true)
  if [[ -n "$pid" && "$pid" != "$$" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'scripts/up.sh'; then
    hr_die "another 'npm run up' (pid $pid) is already running in this checkout; stop it first"
  fi
  echo "$$" >"$UP_PID_FILE"
}

# App processes orphaned by a previous run that was killed hard (SIGKILL skips our
# cleanup) would hold the API port; stop them, but only if they are still ours.
kill_orphaned_apps() {
  local pid i orphans=()
  [[ -f "$APP_PIDS_FILE" ]] || return 0
  while read -r pid; do
    [[ -n "$pid" ]] || continue
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'dist/workers/'; then
      hr_warn "stopping app process $pid left over from a previous run"
      kill -TERM "$pid" 2>/dev/null || true
      orphans+=("$pid")
    fi
  done <"$APP_PIDS_FILE"
  rm -f "$APP_PIDS_FILE"
  # Give them up to 20s to let go of the port and their connections.
  for pid in "${orphans[@]}"; do
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

start_postgres() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    hr_info "DATABASE_URL is set; using that Postgres (not starting one)"
    return 0
  fi
  hr_ensure_postgres
  # A server on our data dir can only be ours, left by a run that was killed before it
  # could clean up. Restart it so it gets this run's port and settings.
  if hr_pg_running "$PG_DIR"; then
    hr_info "Postgres from a previous run is still running (port $(hr_pg_running_port "$PG_DIR")); restarting it"
    hr_pg_stop "$PG_DIR"
  fi
  STARTED_PG=1
  hr_pg_start "$PG_DIR" "$PG_PORT"
  export DATABASE_URL="postgresql://$HR_PG_USER:$HR_PG_PASSWORD@127.0.0.1:$PG_PORT/$HR_PG_DB"
}

start_redis() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    hr_info "REDIS_URL is set; using that Redis (not starting one)"
    return 0
  fi
  hr_ensure_redis
  if hr_redis_running "$REDIS_DIR"; then
    hr_info "Redis from a previous run is still running (port $(hr_redis_running_port "$REDIS_DIR")); restarting it"
    hr_redis_stop "$REDIS_DIR"
  fi
  STARTED_REDIS=1
  hr_redis_start "$REDIS_DIR" "$REDIS_PORT"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
}

# Value of KEY in the secrets file (KEY=value lines), or empty.
secret_from_file() {
  [[ -f "$SECRETS_FILE" ]] || return 0
  sed -n "s/^$1=//p" "$SECRETS_FILE" | tail -n1
}

# Keys come from the environment when set; otherwise from .data/secrets.env, generated
# there on first run. The encryption key must survive as long as the database does:
# deleting secrets.env but keeping .data/postgres makes stored webhook secrets unreadable.
load_secrets() {
  local admin enc changed=0
  admin=$(secret_from_file HOOKRELAY_ADMIN_KEY)
  enc=$(secret_from_file HOOKRELAY_ENCRYPTION_KEYS)
  if [[ -z "${HOOKRELAY_ADMIN_KEY:-}" && -z "$admin" ]]; then
    admin="hr_admin_$(node -e 'process.stdout.write(require("crypto").randomBytes(30).toString("base64url"))')"
    changed=1
  fi
  if [[ -z "${HOOKRELAY_ENCRYPTION_KEYS:-}" && -z "$enc" ]]; then
    enc="k1:$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))')"
    changed=1
  fi
  if (( changed )); then
    hr_info "writing generated secrets to $SECRETS_FILE"
    (
      umask 077
      echo "# Generated by scripts/up.sh. Keep it: the encryption key protects data in .data/postgres."
      if [[ -n "$admin" ]]; then echo "HOOKRELAY_ADMIN_KEY=$admin"; fi
      if [[ -n "$enc" ]]; then echo "HOOKRELAY_ENCRYPTION_KEYS=$enc"; fi
    ) >"$SECRETS_FILE.tmp"
    mv "$SECRETS_FILE.tmp" "$SECRETS_FILE"
  fi
  if [[ -f "$SECRETS_FILE" ]]; then chmod 600 "$SECRETS_FILE"; fi
  export HOOKRELAY_ADMIN_KEY=${HOOKRELAY_ADMIN_KEY:-$admin}
  export HOOKRELAY_ENCRYPTION_KEYS=${HOOKRELAY_ENCRYPTION_KEYS:-$enc}
}

build_and_migrate() {
  hr_info "building (npm run build)"
  npm run build
  [[ -f bin/hookrelay.js ]] || hr_die "bin/hookrelay.js is missing"
  hr_info "applying migrations"
  node bin/hookrelay.js migrate
}

# Sets DEMO_ACCOUNT_ID / DEMO_API_KEY from the demo command's JSON line (the last
# stdout line carrying both fields, so log lines around it don't matter).
ensure_demo_account() {
  local out
  out=$(node bin/hookrelay.js demo --state-file "$DEMO_STATE")
  local parsed
  parsed=$(printf '%s\n' "$out" | node -e '
    const lines = require("fs").readFileSync(0, "utf8").split("\n").reverse();
    for (const l of lines) {
      try { const j = JSON.parse(l); if (j && j.accountId && j.apiKey) { console.log(j.accountId + " " + j.apiKey); process.exit(0); } } catch {}
    }
    process.exit(1);') || hr_die "demo command printed no {\"accountId\",\"apiKey\"} line; output was:
$out"
  read -r DEMO_ACCOUNT_ID DEMO_API_KEY <<<"$parsed"
}

# Prefix every line of stdin with a label; ignores INT/TERM so it outlives the app
# process it reads from and never cuts off its shutdown logs.
prefix_lines() {
  trap '' INT TERM
  local label=$1 line
  # Keep draining even if our stdout is gone, so the app never hits EPIPE mid-shutdown.
  while IFS= read -r line || [[ -n "$line" ]]; do
    printf '%s %s\n' "$label" "$line" 2>/dev/null || true
  done
}

# start_app <name> <cmd...>: run in the background with prefixed output. setsid keeps
# a terminal Ctrl-C from reaching the app directly: it gets exactly one SIGTERM, from
# cleanup. (A background child of a non-interactive shell is not a group leader, so
# setsid execs in place and $! is the app's own pid.)
start_app() {
  local name=$1 label
  shift
  label=$(printf '%-9s|' "$name")
  if [[ -t 1 ]]; then label=$'\033[36m'"$label"$'\033[0m'; fi
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" > >(prefix_lines "$label") 2>&1 &
  else
    "$@" > >(prefix_lines "$label") 2>&1 &
  fi
  APP_PIDS+=("$!")
  APP_NAMES+=("$name")
  echo "$!" >>"$APP_PIDS_FILE"
}

start_apps() {
  [[ -f dist/workers/api.js ]] || hr_die "dist/workers/api.js is missing after the build"
  [[ -f dist/workers/delivery.js ]] || hr_die "dist/workers/delivery.js is missing after the build"
  if hr_port_in_use "$PORT"; then
    hr_die "port $PORT is already in use; stop whatever uses it or run with PORT=<other port>"
  fi
  : >"$APP_PIDS_FILE"
  start_app api node dist/workers/api.js
  local i
  for ((i = 1; i <= WORKER_PROCESSES; i++)); do
    start_app "worker.$i" node dist/workers/delivery.js
  done
}

# Wait (up to 60s) for the API to accept connections, so the banner's URLs work.
wait_for_api() {
  local deadline=$((SECONDS + 60)) pid
  until hr_port_in_use "$PORT"; do
    for pid in "${APP_PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || return 0 # the main loop reports the death
    done
    if (( SECONDS >= deadline )); then
      hr_warn "API not listening on port $PORT after 60s; continuing"
      return 0
    fi
    sleep 0.2
  done
}

print_banner() {
  local api="http://127.0.0.1:$PORT" db_where redis_where
  if [[ "$HOST" != "0.0.0.0" && "$HOST" != "::" ]]; then api="http://$HOST:$PORT"; fi
  if (( STARTED_PG )); then db_where="$PG_DIR (log: $PG_DIR/server.log)"; else db_where="external (DATABASE_URL)"; fi
  if (( STARTED_REDIS )); then redis_where="$REDIS_DIR (log: $REDIS_DIR/redis.log)"; else redis_where="external (REDIS_URL)"; fi
  cat <<EOF

  hookrelay is up
  ----------------------------------------------------------------------
  API            $api
  OpenAPI        $api/openapi.json
  Admin key      $HOOKRELAY_ADMIN_KEY
  Demo account   $DEMO_ACCOUNT_ID
  Demo API key   $DEMO_API_KEY
  Workers        $WORKER_PROCESSES delivery process(es)

  Try:
    curl -s $api/openapi.json | head -c 300; echo
    curl -s -H "Authorization: Bearer $DEMO_API_KEY" $api/v1/webhooks

  Data:
    Postgres     $db_where
    Redis        $redis_where
    Secrets      $SECRETS_FILE
    Demo state   $ROOT/$DEMO_STATE
  Ctrl-C stops everything (delete .data/ to start from scratch).
  ----------------------------------------------------------------------

EOF
}

# Stop app processes: SIGTERM, up to 30s for a graceful exit, then SIGKILL.
stop_apps() {
  local pid alive deadline=$((SECONDS + 30))
  ((${#APP_PIDS[@]})) || return 0
  hr_info "stopping app processes"
  for pid in "${APP_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  while :; do
    alive=0
    for pid in "${APP_PIDS[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    (( alive )) || break
    if (( SECONDS >= deadline )); then
      hr_warn "app processes still running after 30s; killing them"
      for pid in "${APP_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
      break
    fi
    sleep 0.2
  done
  wait 2>/dev/null || true # reap them and let the prefixers flush
  rm -f "$APP_PIDS_FILE"
}

cleanup() {
  local rc=$?
  (( CLEANED_UP )) && return 0
  CLEANED_UP=1
  # A second Ctrl-C must not abort the cleanup halfway; every step has a timeout.
  trap '' INT TERM HUP
  stop_apps
  if (( STARTED_REDIS )); then hr_redis_stop "$REDIS_DIR"; fi
  if (( STARTED_PG )); then hr_pg_stop "$PG_DIR"; fi
  if [[ "$(cat "$UP_PID_FILE" 2>/dev/null || true)" == "$$" ]]; then rm -f "$UP_PID_FILE"; fi
  exit "$rc"
}

# While setting up, a signal aborts right away (the EXIT trap cleans up). Once the apps
# run, it just ends supervise(), which then stops everything in order.
on_signal() {
  STOPPING=1
  hr_info "received $1; shutting down"
  if (( ! SUPERVISING )); then exit 130; fi
}

# Block until a signal arrives or an app process exits. An app exit is fatal: stop all.
supervise() {
  local rc died i
  while :; do
    died=""
    if wait -n -p died "${APP_PIDS[@]}"; then rc=0; else rc=$?; fi
    (( STOPPING )) && return 0
    if [[ -n "$died" ]]; then
      for i in "${!APP_PIDS[@]}"; do
        if [[ "${APP_PIDS[$i]}" == "$died" ]]; then
          hr_warn "${APP_NAMES[$i]} (pid $died) exited with code $rc; stopping everything"
        fi
      done
      return $(( rc == 0 ? 1 : rc ))
    fi
  done
}

main() {
  check_args
  # If our output goes to a pipe (`npm run up | tee log`) whose reader dies on Ctrl-C,
  # a write must fail, not kill us with SIGPIPE before cleanup has stopped anything.
  trap '' PIPE
  trap cleanup EXIT
  trap 'on_signal SIGINT' INT
  trap 'on_signal SIGTERM' TERM
  trap 'on_signal SIGHUP' HUP
  claim_checkout
  kill_orphaned_apps
  hr_ensure_node_deps "$ROOT"
  start_postgres
  start_redis
  load_secrets
  build_and_migrate
  ensure_demo_account
  SUPERVISING=1
  start_apps
  wait_for_api
  print_banner
  local rc=0
  supervise || rc=$?
  exit "$rc"
}

main "$@"
