# shellcheck shell=bash
#
# A local Postgres server living in a directory we choose.

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

# hr_pg_stop <datadir> [budget_ms]: fast shutdown (rolls back open transactions, disconnects
# clients, checkpoints); immediate after 70% of the budget (default 40 s), SIGKILL for the
# postmaster and its children at its end: never a server left behind, never longer than that.
# Signals, as pg_ctl sends them, so the steps follow one clock. A server that was SIGSTOPped
# (a hung host, a debugger) is continued first: stopped, it acts on no signal but SIGKILL.
hr_pg_stop() {
  local datadir budget=${2:-40000} pid start kids
  datadir=$(_hr_abspath "$1")
  hr_pg_running "$datadir" || return 0
  pid=$(head -n1 "$datadir/postmaster.pid" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  hr_info "stopping Postgres ($datadir)"
  hr_clock
  start=$HR_NOW_MS
  kids=$(hr_child_pids "$pid")
  # shellcheck disable=SC2086 # one pid a word
  kill -CONT "$pid" $kids 2>/dev/null || true
  kill -INT "$pid" 2>/dev/null || true
  hr_wait_gone $((start + budget * 7 / 10)) "$pid" && return 0
  hr_warn "Postgres fast shutdown did not finish in time; trying immediate"
  kill -QUIT "$pid" 2>/dev/null || true
  hr_wait_gone $((start + budget * 95 / 100)) "$pid" && return 0
  hr_warn "Postgres still running; killing it"
  # Children first listed, then killed: once the postmaster is gone they belong to init.
  kids=$(hr_child_pids "$pid")
  # shellcheck disable=SC2086
  kill -KILL "$pid" $kids 2>/dev/null || true
  # shellcheck disable=SC2086
  hr_wait_gone $((start + budget + 1000)) "$pid" $kids || true
}
