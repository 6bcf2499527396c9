# shellcheck shell=bash
#
# A local Redis server living in a directory we choose.

# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------

# Pid of a live redis-server recorded in <dir>/redis.pid, or return 1.
hr_redis_pid() {
  local pid
  pid=$(cat "$1/redis.pid" 2>/dev/null || true)
  [[ -n "$pid" ]] || return 1
  hr_pid_alive "$pid" || return 1
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

# hr_redis_stop <dir> [budget_ms] [nosave]: SHUTDOWN via redis-cli (AOF is flushed either
# way), SIGTERM at half the budget (default 10 s), SIGKILL at its end. A SIGSTOPped server is
# continued first (stopped, it answers nothing and acts on no signal but SIGKILL), and redis-cli
# is bounded: the kernel accepts its connection to a stopped server, which never answers.
hr_redis_stop() {
  local dir budget=${2:-10000} pid port start
  dir=$(_hr_abspath "$1")
  pid=$(hr_redis_pid "$dir") || return 0
  port=$(hr_redis_running_port "$dir" || true)
  hr_info "stopping Redis ($dir)"
  hr_clock
  start=$HR_NOW_MS
  kill -CONT "$pid" 2>/dev/null || true
  if [[ -n "$port" ]]; then
    timeout -s KILL "$(hr_secs $((budget / 4)))" redis-cli -h 127.0.0.1 -p "$port" shutdown ${3:+"$3"} >/dev/null 2>&1 || true
  fi
  hr_wait_gone $((start + budget / 2)) "$pid" && return 0
  kill -TERM "$pid" 2>/dev/null || true
  hr_wait_gone $((start + budget)) "$pid" && return 0
  hr_warn "Redis still running; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  hr_wait_gone $((start + budget + 1000)) "$pid" || true
}
