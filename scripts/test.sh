#!/usr/bin/env bash
#
# `npm test` (also what CI runs): typecheck, lint, jest against throwaway servers.
#
#   1. installs what is missing (npm deps, Prisma client, redis-server, Postgres, iproute2,
#      Chromium and an Arabic font for the portal's browser tests, promtool for the
#      Prometheus rules in deploy/),
#   2. starts a throwaway Postgres and Redis on free ports in a fresh /tmp dir (never
#      under the checkout: CI clones into a mode-700 dir the postgres user can't enter),
#   3. exports DATABASE_URL, REDIS_URL and HOOKRELAY_PG_BIN (tests use its pg_dump),
#   4. runs `npm run typecheck`, `npm run lint`, `npx jest [args]` — all three, so one
#      run shows every problem — and exits with the first failing step's code,
#   5. always stops the servers and removes the tmp dir (EXIT/INT/TERM trap).
#
# Extra arguments go to jest: `npm test -- test/unit -t retries`. CI=true adds --ci.
# Functions reached only from traps look unreachable to shellcheck:
# shellcheck disable=SC2317
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/lib/services.sh
source "$ROOT/scripts/lib/services.sh"

HR_THROWAWAY_DIR=""

# Trap handler: stop the servers, remove the tmp dir, keep the exit code.
cleanup() {
  local rc=$? counts=""
  trap '' INT TERM
  if [[ -n "$HR_THROWAWAY_DIR" ]]; then
    counts=$(test_counts)
    hr_throwaway_stop "$HR_THROWAWAY_DIR"
  fi
  # Last line of all output, in the plain form CI tooling reads.
  if [[ -n "$counts" ]]; then echo "$counts"; fi
  exit "$rc"
}

# "jest: N passed, N failed[, N skipped]" from jest's --json results, if it ran.
test_counts() {
  local f=$HR_THROWAWAY_DIR/jest-results.json
  [[ -s "$f" ]] || return 0
  # shellcheck disable=SC2016 # JS template literals, not shell expansions
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
    console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$f" 2>/dev/null || true
}

on_signal() {
  trap '' INT TERM
  if [[ -n "$STEP_PID" ]]; then
    hr_warn "interrupted; stopping the running step"
    kill -TERM -- "-$STEP_PID" 2>/dev/null || kill -TERM "$STEP_PID" 2>/dev/null || true
    local _
    for _ in $(seq 1 50); do
      kill -0 "$STEP_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$STEP_PID" 2>/dev/null || kill -KILL "$STEP_PID" 2>/dev/null || true
  fi
  exit "$1"
}

start_services() {
  hr_throwaway_start test
}

FIRST_FAILURE=0
RESULTS=()

STEP_PID=""

# run_step <name> <cmd...>: run, record the result, remember the first failing code.
# The step runs in the background in its own process group (setsid; as a non-leader
# child it execs in place, so $! is also the group id) and we `wait` for it: that way a
# signal to this script is handled at once and reaches the whole step (npm, jest and
# its workers), instead of bash first waiting for the step to finish.
run_step() {
  local name=$1 rc=0
  shift
  hr_info "=== $name: $* ==="
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" &
  else
    "$@" &
  fi
  STEP_PID=$!
  wait "$STEP_PID" || rc=$?
  STEP_PID=""
  if (( rc == 0 )); then
    RESULTS+=("ok      $name")
  else
    RESULTS+=("FAILED  $name (exit code $rc)")
    hr_warn "step '$name' failed with exit code $rc"
    if (( FIRST_FAILURE == 0 )); then FIRST_FAILURE=$rc; fi
  fi
}

main() {
  trap cleanup EXIT
  # Stop the running step, then exit 128+signal like a shell; the EXIT trap cleans up.
  trap 'on_signal 130' INT
  trap 'on_signal 143' TERM

  hr_ensure_node_deps "$ROOT"
  hr_ensure_system_packages
  hr_ensure_iproute2
  hr_ensure_chromium
  hr_ensure_promtool
  start_services

  local jest_args=()
  if [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; then jest_args+=(--ci); fi

  run_step typecheck npm run typecheck
  run_step lint npm run lint
  # --json --outputFile: jest's usual output is unchanged; the counts feed the closing line.
  jest_args+=(--json "--outputFile=$HR_THROWAWAY_DIR/jest-results.json")
  run_step jest npx --no-install jest "${jest_args[@]}" "$@"

  echo >&2
  hr_info "summary:"
  local r
  for r in "${RESULTS[@]}"; do echo "    $r" >&2; done
  if (( FIRST_FAILURE != 0 )); then
    hr_warn "tests failed; exiting with the first failing step's code ($FIRST_FAILURE)"
  fi
  exit "$FIRST_FAILURE"
}

main "$@"
