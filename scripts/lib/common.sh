# shellcheck shell=bash
#
# Logging and system packages, shared by the other scripts/lib files.

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
# Time and processes, for stops that must end by a deadline
# ---------------------------------------------------------------------------

# Milliseconds since the epoch, into HR_NOW_MS (no subshell: the stop loops call it often).
# EPOCHREALTIME's separator follows the locale.
HR_NOW_MS=0
hr_clock() {
  local t=${EPOCHREALTIME//[.,]/}
  HR_NOW_MS=$((10#$t / 1000))
}

# "1.250" for 1250 (ms), as sleep and timeout take it.
hr_secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# True while <pid> runs. A zombie does not count: a server's postmaster or a daemonized Redis
# belongs to init, which may be slow to reap it (or, in a container, never).
hr_pid_alive() {
  local stat rest
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  rest=${stat##*) }
  [[ "${rest:0:1}" != Z && "${rest:0:1}" != X ]]
}

# hr_wait_gone <until_ms> <pid>...: true once none of the pids runs; false at <until_ms>.
hr_wait_gone() {
  local until=$1 pid
  shift
  while :; do
    for pid in "$@"; do
      if hr_pid_alive "$pid"; then break; fi
      pid=""
    done
    [[ -n "$pid" ]] || return 0
    hr_clock
    ((HR_NOW_MS < until)) || return 1
    sleep 0.1
  done
}

# The pids whose parent is <pid>, one a line (read from /proc: procps may not be installed).
hr_child_pids() {
  local f stat rest
  for f in /proc/[0-9]*/stat; do
    read -r stat 2>/dev/null <"$f" || continue
    rest=${stat##*) } # "<state> <ppid> …"; the command name before it may hold anything
    rest=${rest#* }
    [[ "${rest%% *}" == "$1" ]] || continue
    f=${f#/proc/}
    printf '%s\n' "${f%/stat}"
  done
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

# iproute2 (`ip`, `bridge`) for the tests that run hosts in network namespaces of their own
# (test/hosts/, harness/hosts.ts). Those need root anyway: when not root, say so and go on, and
# let them fail with their own message rather than stop every other test.
hr_ensure_iproute2() {
  if command -v ip >/dev/null 2>&1 && command -v bridge >/dev/null 2>&1; then return 0; fi
  if ! hr_is_root; then
    hr_warn "iproute2 is missing (ip, bridge): the multi-host tests in test/hosts/ will fail; they need root and iproute2"
    return 0
  fi
  hr_apt_install iproute2
}

hr_ensure_system_packages() {
  hr_ensure_postgres
  hr_ensure_redis
}

# The program hr_run_built started, while it runs; hr_stop_built stops it.
HR_BUILT_PID=""

# hr_run_built <what> <compiled script> [args…]: `npm run build`, then `node <script> [args…]`
# in the background, waited for, so that a signal reaches the calling script at once instead of
# after the program ends (see test.sh). Returns the program's exit code.
hr_run_built() {
  local what=$1 script=$2 rc=0
  shift 2
  hr_info "building (npm run build)"
  npm run --silent build
  hr_info "running $what: node $script $*"
  node "$script" "$@" &
  HR_BUILT_PID=$!
  wait "$HR_BUILT_PID" || rc=$?
  HR_BUILT_PID=""
  return "$rc"
}

# hr_stop_built: for an EXIT trap. SIGTERM the program hr_run_built started (it stops its own
# children and servers on SIGTERM) and wait for it; nothing if none runs.
hr_stop_built() {
  if [[ -n "$HR_BUILT_PID" ]]; then
    kill -TERM "$HR_BUILT_PID" 2>/dev/null || true
    wait "$HR_BUILT_PID" 2>/dev/null || true
    HR_BUILT_PID=""
  fi
}
