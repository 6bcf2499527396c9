# shellcheck shell=bash
#
# Helpers shared by scripts/up.sh and scripts/test.sh: system packages, node deps,
# and local Postgres / Redis servers that live in a directory we choose.
#
# Source this file; it (and the files it sources) only define functions. All functions are
# written to work under `set -euo pipefail`. Public functions are prefixed `hr_`.
#
# Environment knobs (all optional):
#   HOOKRELAY_PG_BIN          Postgres bin dir to use instead of auto-detection.
#   HOOKRELAY_START_TIMEOUT   seconds to wait for a server to become ready (default 60).

if [[ -n "${_HR_SERVICES_SH_LOADED:-}" ]]; then
  return 0
fi
_HR_SERVICES_SH_LOADED=1

# The role/password/database every local server gets. Matches the DATABASE_URLs the
# scripts build; local-only servers bound to 127.0.0.1, so a fixed password is fine.
HR_PG_USER=hookrelay
HR_PG_PASSWORD=hookrelay
HR_PG_DB=hookrelay

_HR_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib/common.sh
source "$_HR_LIB_DIR/common.sh"
# shellcheck source=scripts/lib/deps.sh
source "$_HR_LIB_DIR/deps.sh"
# shellcheck source=scripts/lib/postgres.sh
source "$_HR_LIB_DIR/postgres.sh"
# shellcheck source=scripts/lib/redis.sh
source "$_HR_LIB_DIR/redis.sh"
# shellcheck source=scripts/lib/throwaway.sh
source "$_HR_LIB_DIR/throwaway.sh"
