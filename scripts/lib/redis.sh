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
