#!/usr/bin/env bash
#
# `npm run up`: run hookrelay locally, from a fresh machine to a working API.
#
#   1. installs what is missing (npm deps, Prisma client, redis-server, Postgres),
#   2. starts Postgres and Redis with data under the data dir, .data/ (unless DATABASE_URL /
#      REDIS_URL point at existing servers; then that server is used and none is started),
#   3. creates secrets once in <data dir>/secrets.env (mode 600),
#   4. builds, migrates, ensures a demo account, prints a banner,
#   5. runs the API + HOOKRELAY_WORKER_PROCESSES delivery workers in the foreground with
#      prefixed output until Ctrl-C / SIGTERM, supervised (scripts/lib/supervise.sh): one
#      that exits without being asked to is logged and restarted after a backoff (1 s,
#      doubling to 30 s; back to 1 s after a minute up), while Postgres and Redis keep running.
#   6. on Ctrl-C / SIGTERM stops everything it started within 10 s, also while Redis or
#      Postgres does not answer: app processes first (SIGTERM, SIGKILL after 7.5 s), then Redis
#      and Postgres side by side (each step bounded, SIGKILL last).
#
# Knobs: HOOKRELAY_PG_PORT (55432), HOOKRELAY_REDIS_PORT (56379), PORT (7780),
# HOST (127.0.0.1), HOOKRELAY_WORKER_PROCESSES (1), HOOKRELAY_ALLOW_HTTP_URLS (true),
# HOOKRELAY_EGRESS_ALLOW_CIDRS (127.0.0.0/8,::1/128),
# HOOKRELAY_DATA_DIR (.data: Postgres, Redis, secrets, demo account, pid files; relative to
# the checkout; as root, the `postgres` user must be able to reach it),
# HOOKRELAY_BUILD (always; if-stale skips `npm run build` while dist/ is newer than every
# source), LOG_LEVEL (info), DATABASE_URL, REDIS_URL, HOOKRELAY_ADMIN_KEY,
# HOOKRELAY_ENCRYPTION_KEYS, HOOKRELAY_WORKER_CONCURRENCY,
# HOOKRELAY_METRICS_PORT (9464: the API's Prometheus listener; worker n gets 9464 + n; empty:
# no metrics); and every other setting the API and workers read (README, "Configuration").
# Functions reached only from traps look unreachable to shellcheck:
# shellcheck disable=SC2317
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"
# shellcheck source=scripts/lib/supervise.sh
source "$ROOT/scripts/lib/supervise.sh"

DATA_DIR=$(_hr_abspath "${HOOKRELAY_DATA_DIR:-.data}")
PG_DIR=$DATA_DIR/postgres
REDIS_DIR=$DATA_DIR/redis
SECRETS_FILE=$DATA_DIR/secrets.env
DEMO_STATE=$DATA_DIR/demo-account.json
UP_PID_FILE=$DATA_DIR/up.pid
APP_PIDS_FILE=$DATA_DIR/app.pids
BUILD=${HOOKRELAY_BUILD:-always}
# The whole stop takes at most STOP_BUDGET_MS: the apps get APPS_STOP_MS of it (a worker
# finishes its attempts within the 5 s delivery timeout and exits within ~7 s whatever Redis
# and Postgres do), the servers what is left, and never less than SERVERS_STOP_MIN_MS.
STOP_BUDGET_MS=9500
APPS_STOP_MS=7500
SERVERS_STOP_MIN_MS=1500

PG_PORT=${HOOKRELAY_PG_PORT:-55432}
REDIS_PORT=${HOOKRELAY_REDIS_PORT:-56379}
WORKER_PROCESSES=${HOOKRELAY_WORKER_PROCESSES:-1}
# Each process's own metrics port, from this base: the API's, then one per worker. Not
# exported: every process is started with its own (hr_app_start's settings).
METRICS_BASE=${HOOKRELAY_METRICS_PORT-9464}
unset HOOKRELAY_METRICS_PORT
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
  [[ -z "$METRICS_BASE" || "$METRICS_BASE" =~ ^[1-9][0-9]*$ ]] ||
    hr_die "HOOKRELAY_METRICS_PORT must be a port number, or empty for no metrics (got '$METRICS_BASE')"
  [[ "$BUILD" == always || "$BUILD" == if-stale ]] || hr_die "HOOKRELAY_BUILD must be 'always' or 'if-stale' (got '$BUILD')"
}

# Refuse to run twice on one data dir (the second run would restart the first one's
# servers); a stale pid file from a crashed run is ignored.
claim_data_dir() {
  mkdir -p "$DATA_DIR"
  local pid
  pid=$(cat "$UP_PID_FILE" 2>/dev/null || true)
  if [[ -n "$pid" && "$pid" != "$$" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'scripts/up.sh'; then
    hr_die "another 'npm run up' (pid $pid) is already running on $DATA_DIR; stop it first (or give this one another HOOKRELAY_DATA_DIR and ports)"
  fi
  echo "$$" >"$UP_PID_FILE"
}

# App processes orphaned by a previous run that was killed hard (SIGKILL skips our
# cleanup) would hold the API port; stop them, but only if they are still ours.
kill_orphaned_apps() {
  local pid i orphans=()
  [[ -f "$APP_PIDS_FILE" ]] || return 0
  while read -r pid _; do
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

# Keys come from the environment when set; otherwise from <data dir>/secrets.env, generated
# there on first run. The encryption key must survive as long as the database does:
# deleting secrets.env but keeping <data dir>/postgres makes stored webhook secrets unreadable.
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
      echo "# Generated by scripts/up.sh. Keep it: the encryption key protects data in $PG_DIR."
      if [[ -n "$admin" ]]; then echo "HOOKRELAY_ADMIN_KEY=$admin"; fi
      if [[ -n "$enc" ]]; then echo "HOOKRELAY_ENCRYPTION_KEYS=$enc"; fi
    ) >"$SECRETS_FILE.tmp"
    mv "$SECRETS_FILE.tmp" "$SECRETS_FILE"
  fi
  if [[ -f "$SECRETS_FILE" ]]; then chmod 600 "$SECRETS_FILE"; fi
  export HOOKRELAY_ADMIN_KEY=${HOOKRELAY_ADMIN_KEY:-$admin}
  export HOOKRELAY_ENCRYPTION_KEYS=${HOOKRELAY_ENCRYPTION_KEYS:-$enc}
}

# True when some input of the build is newer than one of the outputs up.sh runs (or one is
# missing). `npm run build` emits every file, so any output is as old as the last build.
dist_is_stale() {
  local out
  for out in dist/workers/api.js dist/workers/delivery.js dist/src/cli/main.js dist/portal/index.html packages/client/dist/cli/main.js; do
    [[ -f "$out" ]] || return 0
    [[ -z "$(find src workers portal packages/client/src packages/client/package.json packages/client/tsconfig.json tsconfig.json tsconfig.build.json package-lock.json -newer "$out" -print -quit 2>/dev/null)" ]] || return 0
  done
  return 1
}

build_and_migrate() {
  if [[ "$BUILD" == if-stale ]] && ! dist_is_stale; then
    hr_info "dist/ is up to date; not building (HOOKRELAY_BUILD=if-stale)"
  else
    hr_info "building (npm run build)"
    npm run build
  fi
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

start_apps() {
  [[ -f dist/workers/api.js ]] || hr_die "dist/workers/api.js is missing after the build"
  [[ -f dist/workers/delivery.js ]] || hr_die "dist/workers/delivery.js is missing after the build"
  if hr_port_in_use "$PORT"; then
    hr_die "port $PORT is already in use; stop whatever uses it or run with PORT=<other port>"
  fi
  local i
  if [[ -n "$METRICS_BASE" ]]; then
    for ((i = 0; i <= WORKER_PROCESSES; i++)); do
      if hr_port_in_use $((METRICS_BASE + i)); then
        hr_die "metrics port $((METRICS_BASE + i)) is already in use; run with HOOKRELAY_METRICS_PORT=<another base> (or empty for no metrics)"
      fi
    done
  fi
  HR_APPS_PID_FILE=$APP_PIDS_FILE
  hr_app_start api dist/workers/api.js "$(metrics_port_setting 0)"
  for ((i = 1; i <= WORKER_PROCESSES; i++)); do
    hr_app_start "worker.$i" dist/workers/delivery.js "$(metrics_port_setting "$i")"
  done
}

# HOOKRELAY_METRICS_PORT=<base + n> for process n (0: the API), or nothing when metrics are off.
metrics_port_setting() {
  if [[ -n "$METRICS_BASE" ]]; then echo "HOOKRELAY_METRICS_PORT=$((METRICS_BASE + $1))"; fi
}

# The banner's metrics lines: each process's scrape URL.
metrics_banner() {
  if [[ -z "$METRICS_BASE" ]]; then
    echo "  Metrics        off (HOOKRELAY_METRICS_PORT is empty)"
    return 0
  fi
  local host=${HOOKRELAY_METRICS_HOST:-$HOST} i
  if [[ "$host" == "0.0.0.0" || "$host" == "::" ]]; then host=127.0.0.1; fi
  echo "  Metrics        http://$host:$METRICS_BASE/metrics (api)"
  for ((i = 1; i <= WORKER_PROCESSES; i++)); do
    echo "                 http://$host:$((METRICS_BASE + i))/metrics (worker.$i)"
  done
}

# Wait (up to 60s) for the API to accept connections, so the banner's URLs work.
wait_for_api() {
  local deadline=$((SECONDS + 60)) pid
  until hr_port_in_use "$PORT"; do
    for pid in "${HR_APP_PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || return 0 # supervision reports and restarts it
    done
    if (( SECONDS >= deadline )); then
      hr_warn "API not listening on port $PORT after 60s; continuing"
      return 0
    fi
    sleep 0.2
  done
}

# A magic link into the demo account's portal (single use, valid HOOKRELAY_PORTAL_LINK_TTL);
# empty when the API did not give one.
demo_portal_link() {
  API="$1" KEY="$DEMO_API_KEY" node -e '
    fetch(process.env.API + "/v1/portal/sessions", { method: "POST", headers: { authorization: "Bearer " + process.env.KEY, "content-type": "application/json" }, body: "{}" })
      .then((r) => r.json()).then((b) => console.log(b.url ?? "")).catch(() => console.log(""));' 2>/dev/null || true
}

print_banner() {
  local api="http://127.0.0.1:$PORT" db_where redis_where portal_link
  if [[ "$HOST" != "0.0.0.0" && "$HOST" != "::" ]]; then api="http://$HOST:$PORT"; fi
  portal_link=$(demo_portal_link "$api")
  if (( STARTED_PG )); then db_where="$PG_DIR (log: $PG_DIR/server.log)"; else db_where="external (DATABASE_URL)"; fi
  if (( STARTED_REDIS )); then redis_where="$REDIS_DIR (log: $REDIS_DIR/redis.log)"; else redis_where="external (REDIS_URL)"; fi
  cat <<EOF

  hookrelay is up
  ----------------------------------------------------------------------
  API            $api
  OpenAPI        $api/openapi.json
  Portal         ${portal_link:-$api/portal/ (sign in with a link from POST /v1/portal/sessions)}
                 (a single-use sign-in link for the demo account; a new one:
                  curl -s -X POST -H "Authorization: Bearer $DEMO_API_KEY" $api/v1/portal/sessions)
  Admin key      $HOOKRELAY_ADMIN_KEY
  Demo account   $DEMO_ACCOUNT_ID
  Demo API key   $DEMO_API_KEY
  Workers        $WORKER_PROCESSES delivery process(es)
$(metrics_banner)

  Try:
    curl -s $api/openapi.json | head -c 300; echo
    export HOOKRELAY_API_URL=$api HOOKRELAY_API_KEY=$DEMO_API_KEY
    node bin/hookrelay.js webhooks list
    node bin/hookrelay.js listen --forward-to http://localhost:3000/hooks   (your app; Ctrl-C removes the webhook)
    node bin/hookrelay.js events emit message.created --data '{"text":"hi"}'

  Data:
    Postgres     $db_where
    Redis        $redis_where
    Secrets      $SECRETS_FILE
    Demo state   $DEMO_STATE
  A crashed API or worker is restarted. Ctrl-C stops everything
  (delete $DATA_DIR to start from scratch).
  ----------------------------------------------------------------------

EOF
}

cleanup() {
  local rc=$? began servers
  ((CLEANED_UP)) && return 0
  CLEANED_UP=1
  # A second Ctrl-C must not abort the cleanup halfway; every step has a timeout.
  trap '' INT TERM HUP
  hr_clock
  began=$HR_NOW_MS
  hr_apps_stop "$APPS_STOP_MS"
  rm -f "$APP_PIDS_FILE"
  # Side by side: neither needs the other to stop, and either may have to wait out a timeout.
  hr_clock
  servers=$((began + STOP_BUDGET_MS - HR_NOW_MS))
  ((servers >= SERVERS_STOP_MIN_MS)) || servers=$SERVERS_STOP_MIN_MS
  local stops=()
  if ((STARTED_REDIS)); then
    hr_redis_stop "$REDIS_DIR" "$servers" &
    stops+=("$!")
  fi
  if ((STARTED_PG)); then
    hr_pg_stop "$PG_DIR" "$servers" &
    stops+=("$!")
  fi
  # Only these: an app process past SIGKILL that the kernel has not let go of yet is not waited for.
  if ((${#stops[@]})); then wait "${stops[@]}" || true; fi
  if [[ "$(cat "$UP_PID_FILE" 2>/dev/null || true)" == "$$" ]]; then rm -f "$UP_PID_FILE"; fi
  hr_clock
  hr_info "stopped in $(_hr_secs_short $((HR_NOW_MS - began))) s"
  exit "$rc"
}

# While setting up, a signal aborts right away (the EXIT trap cleans up). Once the apps
# run, it just ends supervision, which then stops everything in order.
on_signal() {
  HR_APPS_STOPPING=1
  hr_info "received $1; shutting down"
  if ((!SUPERVISING)); then exit 130; fi
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
  claim_data_dir
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
  hr_apps_supervise
  exit 0
}

main "$@"
