#!/usr/bin/env bash
#
# `npm run test:faults`: the fault-injection suite (issue #6), full form.
#
#   1. installs what is missing (npm deps, Prisma client, redis-server, Postgres),
#   2. builds (npm run build: the API, the workers, the harness and the suite into dist/),
#   3. runs node dist/faults/main.js [args]: it starts its own Postgres and Redis in a fresh
#      /tmp dir (it restarts them, so they cannot be shared), runs every scenario, prints the
#      table and exits 1 if any scenario found a problem.
#
# Arguments go to the suite: `npm run test:faults -- --short`, `--only worker-kill`.
# `npm test` runs the short form as part of jest (test/faults/).
# Functions reached only from traps look unreachable to shellcheck:
# shellcheck disable=SC2317
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"

cleanup() {
  local rc=$?
  trap '' INT TERM
  # The suite stops its processes and servers on SIGTERM.
  hr_stop_built
  exit "$rc"
}

main() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  hr_ensure_node_deps "$ROOT"
  hr_ensure_system_packages
  HOOKRELAY_PG_BIN=$(hr_pg_bin_dir)
  export HOOKRELAY_PG_BIN

  local rc=0
  hr_run_built "the fault-injection suite" dist/faults/main.js "$@" || rc=$?
  exit "$rc"
}

main "$@"
