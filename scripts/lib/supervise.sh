# shellcheck shell=bash
#
# The app processes of `npm run up` (API, delivery workers), supervised: each runs in a session
# of its own with its output prefixed by its name; one that exits without being asked to is
# logged and started again after a backoff (1 s, doubling to 30 s, back to 1 s once a run has
# lasted a minute), while Postgres and Redis keep running; on the way out every one gets SIGTERM,
# a bounded wait, then SIGKILL. Sourced by scripts/up.sh (which owns the servers) only.
#
# One slot per process, index i: its name, its script (run with node), its pid (empty while it
# waits to be started again), when that run began, the delay its next restart gets, and when a
# pending restart is due (ms since the epoch, hr_clock).
HR_APP_NAMES=()
HR_APP_SCRIPTS=()
# Space-separated VAR=value settings of the slot's own (its metrics port, say): a restart gets the same.
HR_APP_ENVS=()
HR_APP_PIDS=()
HR_APP_STARTED_MS=()
HR_APP_BACKOFF_MS=()
HR_APP_RESTART_AT_MS=()
# `pid name` per live process, for the next run to stop orphans with (set by the caller).
HR_APPS_PID_FILE=""
# Set (by the caller's signal trap) once everything is to stop: no more restarts.
HR_APPS_STOPPING=0

HR_RESTART_FIRST_MS=1000
HR_RESTART_MAX_MS=30000
# A run this long counts as healthy: the next crash is restarted after the first delay again.
HR_RESTART_RESET_AFTER_MS=60000

# Prefix every line of stdin with a label; ignores INT/TERM so it outlives the app process it
# reads from and never cuts off its shutdown logs.
_hr_prefix_lines() {
  trap '' INT TERM
  local label=$1 line
  # Keep draining even if our stdout is gone, so the app never hits EPIPE mid-shutdown.
  while IFS= read -r line || [[ -n "$line" ]]; do
    printf '%s %s\n' "$label" "$line" 2>/dev/null || true
  done
}

# Rewrites the pid file from the live slots (atomically: an orphan sweep never reads half).
_hr_apps_write_pids() {
  [[ -n "$HR_APPS_PID_FILE" ]] || return 0
  local i
  for i in "${!HR_APP_NAMES[@]}"; do
    if [[ -n "${HR_APP_PIDS[$i]}" ]]; then printf '%s %s\n' "${HR_APP_PIDS[$i]}" "${HR_APP_NAMES[$i]}"; fi
  done >"$HR_APPS_PID_FILE.tmp"
  mv -f "$HR_APPS_PID_FILE.tmp" "$HR_APPS_PID_FILE"
}

# Starts slot i in the background. setsid keeps a terminal Ctrl-C from reaching the app
# directly: it gets exactly one SIGTERM, from hr_apps_stop. (A background child of a
# non-interactive shell is not a group leader, so setsid execs in place and $! is the app's own
# pid.)
_hr_app_run() {
  local i=$1 label envs=()
  label=$(printf '%-9s|' "${HR_APP_NAMES[$i]}")
  if [[ -t 1 ]]; then label=$'\033[36m'"$label"$'\033[0m'; fi
  read -ra envs <<<"${HR_APP_ENVS[$i]:-}"
  # `env` execs node in place, as setsid does: $! stays the app's own pid.
  if command -v setsid >/dev/null 2>&1; then
    setsid env "${envs[@]}" node "${HR_APP_SCRIPTS[$i]}" > >(_hr_prefix_lines "$label") 2>&1 &
  else
    env "${envs[@]}" node "${HR_APP_SCRIPTS[$i]}" > >(_hr_prefix_lines "$label") 2>&1 &
  fi
  HR_APP_PIDS[i]=$!
  hr_clock
  HR_APP_STARTED_MS[i]=$HR_NOW_MS
  HR_APP_RESTART_AT_MS[i]=0
  _hr_apps_write_pids
}

# hr_app_start <name> <script> [VAR=value ...]: a new supervised process, with settings of its own.
hr_app_start() {
  local i=${#HR_APP_NAMES[@]}
  HR_APP_NAMES[i]=$1
  HR_APP_SCRIPTS[i]=$2
  HR_APP_ENVS[i]="${*:3}"
  HR_APP_BACKOFF_MS[i]=$HR_RESTART_FIRST_MS
  _hr_app_run "$i"
}

# "23.8" for 23836 (ms), "1" for 1000: for people.
_hr_secs_short() {
  local tenths=$((($1 + 50) / 100))
  if ((tenths % 10 == 0)); then printf '%d' $((tenths / 10)); else printf '%d.%d' $((tenths / 10)) $((tenths % 10)); fi
}

# "exited with code 3" / "was killed by SIGKILL" from a `wait` status. (A process that exits
# with 128+n by itself reads as killed by signal n: bash reports both alike.)
_hr_exit_text() {
  if (($1 > 128 && $1 < 128 + 65)); then
    printf 'was killed by SIG%s' "$(kill -l $(($1 - 128)) 2>/dev/null || echo "$(($1 - 128))")"
  else
    printf 'exited with code %s' "$1"
  fi
}

# Slot i's process ended (wait status rc) without being asked to: log it, schedule the restart.
_hr_app_exited() {
  local i=$1 rc=$2 pid=${HR_APP_PIDS[$1]} ran delay
  hr_clock
  ran=$((HR_NOW_MS - HR_APP_STARTED_MS[i]))
  if ((ran >= HR_RESTART_RESET_AFTER_MS)); then HR_APP_BACKOFF_MS[i]=$HR_RESTART_FIRST_MS; fi
  delay=${HR_APP_BACKOFF_MS[$i]}
  HR_APP_BACKOFF_MS[i]=$((delay * 2 > HR_RESTART_MAX_MS ? HR_RESTART_MAX_MS : delay * 2))
  HR_APP_PIDS[i]=""
  HR_APP_RESTART_AT_MS[i]=$((HR_NOW_MS + delay))
  _hr_apps_write_pids
  hr_warn "${HR_APP_NAMES[$i]} (pid $pid) $(_hr_exit_text "$rc") after $(_hr_secs_short "$ran") s; restarting it in $(_hr_secs_short "$delay") s"
}

# Blocks until HR_APPS_STOPPING is set (by a signal trap, which interrupts `wait`): restarts
# what exits, each once its delay is up. A `sleep` child stands for the earliest pending
# restart, so one `wait -n` waits for an exit, a signal or the restart, whichever comes first.
hr_apps_supervise() {
  local i died rc timer next pids
  while ((!HR_APPS_STOPPING)); do
    hr_clock
    pids=()
    next=-1
    for i in "${!HR_APP_NAMES[@]}"; do
      if [[ -z "${HR_APP_PIDS[$i]}" ]] && ((HR_APP_RESTART_AT_MS[i] <= HR_NOW_MS)); then
        _hr_app_run "$i"
        hr_info "restarted ${HR_APP_NAMES[$i]} (pid ${HR_APP_PIDS[$i]})"
      fi
      if [[ -n "${HR_APP_PIDS[$i]}" ]]; then
        pids+=("${HR_APP_PIDS[$i]}")
      elif ((next < 0 || HR_APP_RESTART_AT_MS[i] - HR_NOW_MS < next)); then
        next=$((HR_APP_RESTART_AT_MS[i] - HR_NOW_MS))
      fi
    done
    timer=""
    if ((next >= 0)); then
      sleep "$(hr_secs "$next")" &
      timer=$!
      pids+=("$timer")
    fi
    ((${#pids[@]})) || return 0
    # A signal whose trap ran since the loop's check (during a restart, say) would not
    # interrupt the `wait` below.
    if ((HR_APPS_STOPPING)); then
      if [[ -n "$timer" ]]; then kill -KILL "$timer" 2>/dev/null || true; fi
      return 0
    fi
    died=""
    # 2>/dev/null: bash's own "Killed …" job notice, which would repeat our line below.
    if wait -n -p died "${pids[@]}" 2>/dev/null; then rc=0; else rc=$?; fi
    if [[ -n "$timer" && "$died" != "$timer" ]]; then
      kill -KILL "$timer" 2>/dev/null || true
      wait "$timer" 2>/dev/null || true
    fi
    ((!HR_APPS_STOPPING)) || return 0
    [[ -n "$died" && "$died" != "$timer" ]] || continue
    for i in "${!HR_APP_NAMES[@]}"; do
      if [[ "${HR_APP_PIDS[$i]}" == "$died" ]]; then _hr_app_exited "$i" "$rc"; fi
    done
  done
}

# _hr_apps_reap <until_ms> <what> <pid>...: waits for the pids (children of this shell, so
# never in a subshell) to exit, logging each as it does, until <until_ms>; leaves the ones
# still running in HR_APPS_LEFT. (Timers are ended with SIGKILL: during cleanup this shell
# ignores SIGTERM, and so does every child it starts then.)
HR_APPS_LEFT=()
_hr_apps_reap() {
  local until=$1 what=$2 died rc i timer pid left
  shift 2
  local pids=("$@")
  hr_clock
  sleep "$(hr_secs $((until > HR_NOW_MS ? until - HR_NOW_MS : 0)))" &
  timer=$!
  while ((${#pids[@]})); do
    died=""
    if wait -n -p died "${pids[@]}" "$timer" 2>/dev/null; then rc=0; else rc=$?; fi
    [[ -n "$died" && "$died" != "$timer" ]] || break
    hr_clock
    for i in "${!HR_APP_NAMES[@]}"; do
      if [[ "${HR_APP_PIDS[$i]}" == "$died" ]]; then
        hr_info "${HR_APP_NAMES[$i]} (pid $died) $(_hr_exit_text "$rc"), $(_hr_secs_short $((HR_NOW_MS - HR_APPS_STOP_BEGAN_MS))) s after $what"
        HR_APP_PIDS[i]=""
      fi
    done
    left=()
    for pid in "${pids[@]}"; do
      if [[ "$pid" != "$died" ]]; then left+=("$pid"); fi
    done
    pids=("${left[@]}")
  done
  kill -KILL "$timer" 2>/dev/null || true
  wait "$timer" 2>/dev/null || true
  HR_APPS_LEFT=("${pids[@]}")
}

# hr_apps_stop <budget_ms>: SIGTERM to every app process, SIGKILL to those still running after
# <budget_ms>; returns once all are gone (or a second later than that, whatever happens).
HR_APPS_STOP_BEGAN_MS=0
hr_apps_stop() {
  local budget=$1 pid pids=()
  HR_APPS_STOPPING=1
  for pid in "${HR_APP_PIDS[@]}"; do
    if [[ -n "$pid" ]]; then pids+=("$pid"); fi
  done
  if ((${#pids[@]})); then
    hr_info "stopping app processes"
    hr_clock
    HR_APPS_STOP_BEGAN_MS=$HR_NOW_MS
    kill -TERM "${pids[@]}" 2>/dev/null || true
    _hr_apps_reap $((HR_NOW_MS + budget)) SIGTERM "${pids[@]}"
    if ((${#HR_APPS_LEFT[@]})); then
      hr_warn "app processes still running $(_hr_secs_short "$budget") s after SIGTERM; killing them"
      kill -KILL "${HR_APPS_LEFT[@]}" 2>/dev/null || true
      hr_clock
      _hr_apps_reap $((HR_NOW_MS + 1000)) SIGKILL "${HR_APPS_LEFT[@]}"
    fi
  fi
  if [[ -n "$HR_APPS_PID_FILE" ]]; then rm -f "$HR_APPS_PID_FILE"; fi
}
