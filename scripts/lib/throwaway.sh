# shellcheck shell=bash
#
# Throwaway Postgres + Redis for `npm test` and `npm run bench`: a fresh /tmp dir (never
# under the checkout: CI clones into a mode-700 dir the postgres user cannot enter).

# Starts both servers on free ports in a new dir named after $1; sets HR_THROWAWAY_DIR and
# exports DATABASE_URL, REDIS_URL and HOOKRELAY_PG_BIN (tests use its pg_dump).
hr_throwaway_start() {
  local label=$1 pg_port redis_port
  HR_THROWAWAY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hookrelay-$label.XXXXXX")
  # mktemp -d makes a mode-700 dir; the postgres user (when we are root) must be able to
  # enter it to reach its data dir, so open it up (traverse + list only).
  chmod 755 "$HR_THROWAWAY_DIR"
  pg_port=$(hr_free_port)
  redis_port=$(hr_free_port)
  hr_pg_start "$HR_THROWAWAY_DIR/pg" "$pg_port" throwaway
  hr_redis_start "$HR_THROWAWAY_DIR/redis" "$redis_port"
  export DATABASE_URL="postgresql://$HR_PG_USER:$HR_PG_PASSWORD@127.0.0.1:$pg_port/$HR_PG_DB"
  export REDIS_URL="redis://127.0.0.1:$redis_port"
  HOOKRELAY_PG_BIN=$(hr_pg_bin_dir)
  export HOOKRELAY_PG_BIN
}

# Stops what hr_throwaway_start started in dir $1 and removes the dir; never fails.
hr_throwaway_stop() {
  local dir=$1
  [[ -n "$dir" ]] || return 0
  hr_redis_stop "$dir/redis" 10000 nosave || true
  hr_pg_stop "$dir/pg" || true
  rm -rf "$dir"
}
