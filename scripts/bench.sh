#!/usr/bin/env bash
#
# `npm run bench`: the benchmark suite (issue #5). Reports figures; never asserts.
#
#   1. installs what is missing (npm deps, Prisma client, redis-server, Postgres),
#   2. starts a throwaway Postgres and Redis on free ports in a fresh /tmp dir,
#   3. builds (npm run build, which compiles bench/ too),
#   4. runs the compiled harness: node dist/bench/main.js [args],
#   5. always stops the servers and removes the tmp dir (EXIT/INT/TERM trap).
#
# Arguments go to the harness: `npm run bench -- --quick`, `--only drain`, `--workers 2`.
# Tables go to stdout, progress to stderr, figures to bench/results/<timestamp>.json.
# Functions reached only from traps look unreachable to shellcheck:
# shellcheck disable=SC2317
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"

TMP_DIR=""
BENCH_PID=""

cleanup() {
  local rc=$?
  trap '' INT TERM
  if [[ -n "$BENCH_PID" ]]; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  if [[ -n "$TMP_DIR" ]]; then
    hr_redis_stop "$TMP_DIR/redis" nosave || true
    hr_pg_stop "$TMP_DIR/pg" || true
    rm -rf "$TMP_DIR"
  fi
  exit "$rc"
}

start_services() {
  # mktemp -d makes a mode-700 dir; the postgres user (when we are root) must enter it.
  TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hookrelay-bench.XXXXXX")
  chmod 755 "$TMP_DIR"
  local pg_port redis_port
  pg_port=$(hr_free_port)
  redis_port=$(hr_free_port)
  hr_pg_start "$TMP_DIR/pg" "$pg_port" throwaway
  hr_redis_start "$TMP_DIR/redis" "$redis_port"
  export DATABASE_URL="postgresql://$HR_PG_USER:$HR_PG_PASSWORD@127.0.0.1:$pg_port/$HR_PG_DB"
  export REDIS_URL="redis://127.0.0.1:$redis_port"
}

main() {
  trap cleanup EXIT
  # The harness kills its children on SIGTERM; the EXIT trap then stops the servers.
  trap 'exit 130' INT
  trap 'exit 143' TERM

  hr_ensure_node_deps "$ROOT"
  hr_ensure_system_packages
  start_services

  hr_info "building (npm run build)"
  npm run --silent build
  hr_info "running the benchmarks: node dist/bench/main.js $*"
  # In the background and waited for, so a signal reaches this script at once (see test.sh).
  node dist/bench/main.js "$@" &
  BENCH_PID=$!
  local rc=0
  wait "$BENCH_PID" || rc=$?
  BENCH_PID=""
  exit "$rc"
}

main "$@"
