#!/usr/bin/env bash
#
# `npm run bench`: the benchmark suite (issue #5). Reports figures; never asserts.
#
#   1. installs what is missing (npm deps, Prisma client, redis-server, Postgres, and Chromium
#      for the portal scenario),
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

cleanup() {
  local rc=$?
  trap '' INT TERM
  hr_stop_built
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
  hr_ensure_chromium
  start_services

  local rc=0
  hr_run_built "the benchmarks" dist/bench/main.js "$@" || rc=$?
  exit "$rc"
}

main "$@"
