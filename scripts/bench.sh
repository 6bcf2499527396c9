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

HR_THROWAWAY_DIR=""
BENCH_PID=""

cleanup() {
  local rc=$?
  trap '' INT TERM
  if [[ -n "$BENCH_PID" ]]; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  if [[ -n "$HR_THROWAWAY_DIR" ]]; then
    hr_throwaway_stop "$HR_THROWAWAY_DIR"
  fi
  exit "$rc"
}

start_services() {
  hr_throwaway_start bench
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
