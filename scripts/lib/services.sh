# shellcheck shell=bash
#
# Helpers shared by scripts/up.sh and scripts/test.sh: system packages, node deps,
# and local Postgres / Redis servers that live in a directory we choose.
#
# Source this file; it only defines functions (no side effects). All functions are
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

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------

# Colour only when stderr is a terminal, so CI logs stay plain text. Logging never
# fails (`|| true`): stderr may be a pipe whose reader is gone (`... | tee` after a
# Ctrl-C), and under `set -e` a failed log line must not abort a cleanup halfway.
_hr_c() { if [[ -t 2 ]]; then printf '\033[%sm' "$1"; fi; }
hr_info() { printf '%s[hookrelay]%s %s\n' "$(_hr_c '1;34')" "$(_hr_c 0)" "$*" >&2 2>/dev/null || true; }
hr_warn() { printf '%s[hookrelay] warning:%s %s\n' "$(_hr_c '1;33')" "$(_hr_c 0)" "$*" >&2 2>/dev/null || true; }
hr_die() {
  printf '%s[hookrelay] error:%s %s\n' "$(_hr_c '1;31')" "$(_hr_c 0)" "$*" >&2 2>/dev/null || true
  exit 1
}

hr_is_root() { [[ "$(id -u)" -eq 0 ]]; }

_hr_timeout() { echo "${HOOKRELAY_START_TIMEOUT:-60}"; }

# Absolute path of a (possibly not yet existing) path.
_hr_abspath() {
  local p=$1
  if [[ "$p" != /* ]]; then p="$PWD/$p"; fi
  printf '%s\n' "$p"
}

# ---------------------------------------------------------------------------
# System packages
# ---------------------------------------------------------------------------

# apt-get install, running `apt-get update` once per process first (a fresh machine has
# no package lists, and install fails without them). Non-root: explain and exit.
_HR_APT_UPDATED=0
hr_apt_install() {
  if ! hr_is_root; then
    hr_die "missing system package(s): $*. Install them (e.g. 'sudo apt-get install -y $*') and re-run."
  fi
  command -v apt-get >/dev/null 2>&1 ||
    hr_die "missing system package(s): $* and apt-get is not available; install them manually."
  export DEBIAN_FRONTEND=noninteractive
  if [[ "$_HR_APT_UPDATED" -eq 0 ]]; then
    hr_info "apt-get update"
    apt-get update -q
    _HR_APT_UPDATED=1
  fi
  hr_info "apt-get install $*"
  apt-get install -y -q --no-install-recommends "$@"
}

hr_ensure_redis() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    hr_apt_install redis-server redis-tools
  fi
}

# Prints the Postgres bin dir (the one containing initdb, pg_ctl, pg_isready, psql,
# pg_dump), or returns 1. Debian keeps these off PATH in /usr/lib/postgresql/<v>/bin.
hr_pg_bin_dir() {
  local d
  if [[ -n "${HOOKRELAY_PG_BIN:-}" && -x "${HOOKRELAY_PG_BIN}/initdb" ]]; then
    printf '%s\n' "$HOOKRELAY_PG_BIN"
    return 0
  fi
  # Highest installed major version wins.
  local candidates=()
  if compgen -G '/usr/lib/postgresql/*/bin' >/dev/null; then
    mapfile -t candidates < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r)
  fi
  for d in "${candidates[@]}"; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
      printf '%s\n' "$d"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1; then
    d=$(dirname "$(readlink -f "$(command -v initdb)")")
    if [[ -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
      printf '%s\n' "$d"
      return 0
    fi
  fi
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    if [[ -n "$d" && -x "$d/initdb" ]]; then
      printf '%s\n' "$d"
      return 0
    fi
  fi
  return 1
}

hr_ensure_postgres() {
  if ! hr_pg_bin_dir >/dev/null; then
    hr_apt_install postgresql
    hr_pg_bin_dir >/dev/null || hr_die "installed postgresql but cannot find initdb under /usr/lib/postgresql/*/bin"
  fi
  local bin
  bin=$(hr_pg_bin_dir)
  local tool
  for tool in pg_ctl pg_isready psql pg_dump; do
    [[ -x "$bin/$tool" ]] || hr_die "$bin/$tool is missing; install the postgresql client tools (apt-get install -y postgresql-client)"
  done
  # initdb/postgres refuse to run as root; as root we run them as the `postgres` user,
  # which the Debian package creates. Binaries from elsewhere may come without it.
  if hr_is_root && ! id postgres >/dev/null 2>&1; then
    hr_info "creating system user 'postgres' (Postgres refuses to run as root)"
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin postgres
  fi
}

hr_ensure_system_packages() {
  hr_ensure_postgres
  hr_ensure_redis
}

# ---------------------------------------------------------------------------
# Node dependencies
# ---------------------------------------------------------------------------

# sha256 of the concatenated contents (not paths: a stamp must survive moving the checkout).
_hr_sha256() { cat "$@" | sha256sum | awk '{print $1}'; }

# Where `prisma generate` writes the client: the first `output = "..."` in the schema
# (relative to the schema's dir), or Prisma's default node_modules/.prisma/client.
_hr_prisma_output_dir() {
  local root=$1 schema=$1/prisma/schema.prisma out
  out=$(sed -n 's/^[[:space:]]*output[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$schema" | head -n1)
  if [[ -z "$out" ]]; then
    printf '%s\n' "$root/node_modules/.prisma/client"
  elif [[ "$out" == /* ]]; then
    printf '%s\n' "$out"
  else
    printf '%s\n' "$root/prisma/$out"
  fi
}

# True when package-lock.json's root entry records exactly package.json's direct
# dependencies (what `npm install` would have written), i.e. the lock is not stale.
_hr_lock_matches_manifest() {
  (cd "$1" && node -e '
    const pkg = require("./package.json"), root = require("./package-lock.json").packages[""] || {};
    const same = (a = {}, b = {}) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    const ok = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"].every((k) => same(pkg[k], root[k]));
    process.exit(ok ? 0 : 1);')
}

# `npm ci`, with one exception. npm has a long-standing bug (npm/cli#4828, #8805):
# lockfiles it writes can lack other platforms' optional packages (here e.g.
# @unrs/resolver-binding-darwin-*), and `npm ci` then refuses them as "not in sync"
# (EUSAGE) even though nothing is wrong, and regenerating the lock with the npm on this
# machine doesn't help. In exactly that case (EUSAGE, and the lock's root entry matches
# package.json, so the lock is not stale) install with `npm install --no-save`: it uses
# the locked versions and leaves package-lock.json untouched. Any other failure fails.
_hr_npm_install() {
  local root=$1 log rc=0
  log=$(mktemp)
  hr_info "installing npm dependencies (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund) 2>&1 | tee "$log" || rc=$?
  if (( rc != 0 )); then
    if grep -q 'code EUSAGE' "$log" && grep -q 'from lock file' "$log" && _hr_lock_matches_manifest "$root"; then
      hr_warn "npm ci rejected package-lock.json over missing optional platform packages (npm bug); falling back to 'npm install --no-save', which keeps the locked versions and does not modify the lock"
      rm -f "$log"
      (cd "$root" && npm install --no-save --no-audit --no-fund) || hr_die "npm install failed"
      return 0
    fi
    rm -f "$log"
    hr_die "npm ci failed (exit $rc). If package.json changed, update the lock with 'npm install' and commit it."
  fi
  rm -f "$log"
}

# npm ci when node_modules is missing or package-lock.json changed since the last
# install; then prisma generate when the client is missing or the schema/config changed.
# Both decisions use sha256 stamps kept inside node_modules (npm ci wipes them, which
# correctly forces a re-generate after a reinstall).
hr_ensure_node_deps() {
  local root=${1:-$PWD}
  command -v node >/dev/null 2>&1 || hr_die "node is not installed. Install Node.js 20 (with npm) and re-run."
  command -v npm >/dev/null 2>&1 || hr_die "npm is not installed. Install Node.js 20 with npm (npm >= 10) and re-run."
  [[ -f "$root/package-lock.json" ]] || hr_die "$root/package-lock.json is missing"

  local lock_stamp=$root/node_modules/.hookrelay-lock.sha want have
  want=$(_hr_sha256 "$root/package-lock.json")
  have=$(cat "$lock_stamp" 2>/dev/null || true)
  if [[ ! -d "$root/node_modules" || "$want" != "$have" ]]; then
    _hr_npm_install "$root"
    printf '%s\n' "$want" >"$lock_stamp"
  fi

  local schema=$root/prisma/schema.prisma
  [[ -f "$schema" ]] || hr_die "$schema is missing"
  local files=("$schema")
  [[ -f "$root/prisma.config.ts" ]] && files+=("$root/prisma.config.ts")
  local gen_stamp=$root/node_modules/.hookrelay-prisma.sha out
  want=$(_hr_sha256 "${files[@]}")
  have=$(cat "$gen_stamp" 2>/dev/null || true)
  out=$(_hr_prisma_output_dir "$root")
  if [[ -z "$(ls -A "$out" 2>/dev/null)" || "$want" != "$have" ]]; then
    hr_info "generating Prisma client (prisma generate)"
    (cd "$root" && npx --no-install prisma generate)
    printf '%s\n' "$want" >"$gen_stamp"
  fi
}

# ---------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------

# Prints a TCP port that was free a moment ago (the OS picks it).
hr_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# True when something accepts connections on 127.0.0.1:<port>.
hr_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---------------------------------------------------------------------------
# Postgres
# ---------------------------------------------------------------------------

# Run a Postgres server binary: as the `postgres` user when we are root (initdb and
# postgres refuse root), else as ourselves. `cd /` so the postgres user never trips
# over a cwd it cannot read (e.g. a mode-700 checkout).
_hr_pg_as_owner() {
  if hr_is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# When root, the postgres user must be able to traverse every ancestor of <dir>.
# Repo checkouts under /root or a `mktemp -d` dir are mode 700, so we add o+x (search
# only, not read: names can't be listed) to exactly the ancestors that block it, and
# say so. Any other failure gets a clear message instead of a cryptic initdb error.
hr_pg_make_reachable() {
  local dir p
  dir=$(_hr_abspath "$1")
  hr_is_root || return 0
  p=$dir
  local chain=()
  while [[ "$p" != "/" ]]; do
    p=$(dirname "$p")
    chain=("$p" "${chain[@]}")
  done
  for p in "${chain[@]}"; do
    [[ -d "$p" ]] || continue
    if ! runuser -u postgres -- test -x "$p" 2>/dev/null; then
      hr_warn "the postgres user cannot enter $p; adding o+x (traverse only) so Postgres can reach $dir"
      chmod o+x "$p" || true
    fi
  done
  if ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
    hr_die "the 'postgres' system user cannot reach $(dirname "$dir"), so Postgres cannot use $dir.
Give it traverse permission on each parent directory (chmod o+x), move the checkout somewhere
readable, or point DATABASE_URL at an existing Postgres."
  fi
}

# True when a postmaster is running on <datadir>.
hr_pg_running() {
  local bin datadir=$1
  bin=$(hr_pg_bin_dir) || return 1
  [[ -f "$datadir/postmaster.pid" ]] || return 1
  _hr_pg_as_owner "$bin/pg_ctl" status -D "$datadir" >/dev/null 2>&1
}

# Port a running postmaster on <datadir> listens on (line 4 of postmaster.pid).
hr_pg_running_port() {
  sed -n 4p "$1/postmaster.pid" 2>/dev/null
}

# Print the tail of the server log, for failures.
_hr_pg_log_tail() {
  local log=$1/server.log
  if [[ -f "$log" ]]; then
    echo "----- last lines of $log -----" >&2
    tail -n 40 "$log" >&2 || true
    echo "-----" >&2
  fi
}

# First-time initdb: superuser `hookrelay` with password `hookrelay`, password auth for
# everything (no trust), so the role exists without a bootstrap connection.
_hr_pg_initdb() {
  local bin=$1 datadir=$2 pwfile
  mkdir -p "$datadir"
  chmod 700 "$datadir"
  # The password file must be readable by the initdb process but by nobody else, and
  # must live outside the (must-be-empty) data dir.
  pwfile=$(dirname "$datadir")/.hookrelay-pg-pw.$$
  (umask 077 && printf '%s\n' "$HR_PG_PASSWORD" >"$pwfile")
  if hr_is_root; then
    chown postgres: "$datadir" "$pwfile"
  fi
  hr_info "initializing Postgres data dir $datadir"
  if ! _hr_pg_as_owner "$bin/initdb" -D "$datadir" -U "$HR_PG_USER" --pwfile="$pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --no-locale >"$datadir.initdb.log" 2>&1; then
    rm -f "$pwfile"
    cat "$datadir.initdb.log" >&2
    hr_die "initdb failed for $datadir"
  fi
  rm -f "$pwfile" "$datadir.initdb.log"
  # Our per-start settings go in hookrelay.conf, rewritten on every start.
  printf "\n# Written by scripts/lib/services.sh\ninclude_if_exists = 'hookrelay.conf'\n" >>"$datadir/postgresql.conf"
}

# hr_pg_start <datadir> <port> [throwaway]
# Starts Postgres on 127.0.0.1:<port> with data in <datadir> (initdb on first use),
# waits until it accepts connections, and makes sure database `hookrelay` exists.
# Pass `throwaway` for test servers: durability off (fsync, full_page_writes...).
# The server log is <datadir>/server.log.
hr_pg_start() {
  local datadir port=$2 mode=${3:-} bin
  datadir=$(_hr_abspath "$1")
  bin=$(hr_pg_bin_dir) || hr_die "Postgres binaries not found (run hr_ensure_postgres first)"

  hr_pg_make_reachable "$datadir"
  if [[ ! -f "$datadir/PG_VERSION" ]]; then
    if [[ -d "$datadir" && -n "$(ls -A "$datadir" 2>/dev/null)" ]]; then
      hr_die "$datadir exists but is not a Postgres data dir; move it away and re-run"
    fi
    _hr_pg_initdb "$bin" "$datadir"
  fi

  # Unix socket: in the data dir (always writable by the server), unless the path would
  # exceed the ~107-byte socket path limit; then TCP only. Clients here all use TCP.
  local sockdir=$datadir
  if (( ${#datadir} > 80 )); then sockdir=""; fi
  {
    echo "# Written by scripts/lib/services.sh on every start; edits are lost."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '${sockdir//\'/\'\'}'"
    echo "unix_socket_permissions = 0700"
    echo "max_connections = 300"
    echo "logging_collector = off"
    if [[ "$mode" == "throwaway" ]]; then
      # Test data is disposable: trade durability for speed.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >"$datadir/hookrelay.conf"
  if hr_is_root; then chown postgres: "$datadir/hookrelay.conf"; fi

  if hr_port_in_use "$port"; then
    hr_die "port $port is already in use by another process; cannot start Postgres for $datadir (pick another port, e.g. HOOKRELAY_PG_PORT for npm run up)"
  fi

  hr_info "starting Postgres on 127.0.0.1:$port (data: $datadir)"
  local timeout
  timeout=$(_hr_timeout)
  if ! _hr_pg_as_owner "$bin/pg_ctl" start -D "$datadir" -l "$datadir/server.log" -w -t "$timeout" >/dev/null; then
    _hr_pg_log_tail "$datadir"
    hr_die "Postgres failed to start (data dir $datadir, port $port)"
  fi
  local deadline=$((SECONDS + timeout))
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres; do
    if (( SECONDS >= deadline )); then
      _hr_pg_log_tail "$datadir"
      hr_die "Postgres on port $port not ready after ${timeout}s"
    fi
    sleep 0.2
  done

  local exists
  exists=$(PGPASSWORD=$HR_PG_PASSWORD "$bin/psql" -h 127.0.0.1 -p "$port" -U "$HR_PG_USER" -d postgres -XtAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$HR_PG_DB'")
  if [[ "$exists" != "1" ]]; then
    PGPASSWORD=$HR_PG_PASSWORD "$bin/psql" -h 127.0.0.1 -p "$port" -U "$HR_PG_USER" -d postgres -XqA \
      -v ON_ERROR_STOP=1 -c "CREATE DATABASE $HR_PG_DB"
  fi
}

# hr_pg_stop <datadir>: fast shutdown (rolls back open transactions, no waiting for
# clients); escalates to immediate, then SIGKILL, so it never leaves a server behind.
hr_pg_stop() {
  local datadir bin pid
  datadir=$(_hr_abspath "$1")
  bin=$(hr_pg_bin_dir) || return 0
  hr_pg_running "$datadir" || return 0
  hr_info "stopping Postgres ($datadir)"
  _hr_pg_as_owner "$bin/pg_ctl" stop -D "$datadir" -m fast -w -t 30 >/dev/null 2>&1 && return 0
  hr_warn "fast shutdown failed; trying immediate"
  _hr_pg_as_owner "$bin/pg_ctl" stop -D "$datadir" -m immediate -w -t 10 >/dev/null 2>&1 && return 0
  pid=$(head -n1 "$datadir/postmaster.pid" 2>/dev/null || true)
  if [[ -n "$pid" ]]; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------

# Pid of a live redis-server recorded in <dir>/redis.pid, or return 1.
hr_redis_pid() {
  local pid
  pid=$(cat "$1/redis.pid" 2>/dev/null || true)
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  grep -q redis "/proc/$pid/comm" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

hr_redis_running() { hr_redis_pid "$1" >/dev/null; }

# Port the redis-server recorded in <dir>/redis.pid was started on (from our port file).
hr_redis_running_port() { cat "$1/redis.port" 2>/dev/null; }

# hr_redis_start <dir> <port>: daemonized redis-server on 127.0.0.1:<port>, data, pid
# and log (redis.log) in <dir>. AOF on and noeviction: BullMQ loses jobs otherwise.
hr_redis_start() {
  local dir port=$2
  dir=$(_hr_abspath "$1")
  mkdir -p "$dir"
  if hr_port_in_use "$port"; then
    hr_die "port $port is already in use by another process; cannot start Redis for $dir (pick another port, e.g. HOOKRELAY_REDIS_PORT for npm run up)"
  fi
  hr_info "starting Redis on 127.0.0.1:$port (data: $dir)"
  rm -f "$dir/redis.pid"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --appendonly yes --maxmemory-policy noeviction --protected-mode yes \
    || { tail -n 40 "$dir/redis.log" >&2 2>/dev/null || true; hr_die "redis-server failed to start"; }
  printf '%s\n' "$port" >"$dir/redis.port"
  local deadline=$((SECONDS + $(_hr_timeout)))
  until [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]; do
    if (( SECONDS >= deadline )); then
      echo "----- last lines of $dir/redis.log -----" >&2
      tail -n 40 "$dir/redis.log" >&2 2>/dev/null || true
      hr_die "Redis on port $port not ready after $(_hr_timeout)s"
    fi
    sleep 0.1
  done
}

# hr_redis_stop <dir> [nosave]: SHUTDOWN via redis-cli (AOF is flushed either way),
# then SIGTERM, then SIGKILL, waiting for the recorded pid to be gone.
hr_redis_stop() {
  local dir pid port i
  dir=$(_hr_abspath "$1")
  pid=$(hr_redis_pid "$dir") || return 0
  port=$(hr_redis_running_port "$dir" || true)
  hr_info "stopping Redis ($dir)"
  if [[ -n "$port" ]]; then
    redis-cli -h 127.0.0.1 -p "$port" shutdown ${2:+"$2"} >/dev/null 2>&1 || true
  fi
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    if (( i == 50 )); then kill -TERM "$pid" 2>/dev/null || true; fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
