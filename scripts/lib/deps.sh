# shellcheck shell=bash
#
# Node dependencies (npm ci, prisma generate) and free ports.

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
# Browser
# ---------------------------------------------------------------------------

# Debian's Chromium for the portal's end-to-end tests (test/portal/, driven by playwright-core
# with executablePath /usr/bin/chromium; never `playwright install`, which downloads from a CDN),
# plus a font with Arabic glyphs: a bare machine has none, and the Arabic pages would render as
# boxes in the screenshots. Without root, say so and go on: the portal tests then fail with
# their own message rather than stop every other test.
hr_ensure_chromium() {
  local missing=()
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  if ! command -v fc-list >/dev/null 2>&1 || [[ -z "$(fc-list :lang=ar family 2>/dev/null)" ]]; then
    missing+=(fonts-noto-core fontconfig)
  fi
  (( ${#missing[@]} > 0 )) || return 0
  if ! hr_is_root; then
    hr_warn "missing ${missing[*]}: the portal's browser tests in test/portal/ will fail; install them (apt-get install -y ${missing[*]})"
    return 0
  fi
  hr_apt_install "${missing[@]}"
}

# ---------------------------------------------------------------------------
# promtool
# ---------------------------------------------------------------------------

# promtool, from Debian's `prometheus` package, for test/integration/deploy-files.test.ts
# (`promtool check rules|config` and `promtool test rules` on deploy/prometheus/). The package
# also ships the Prometheus server, which its postinst would start: a policy-rc.d that refuses
# every start (exit 101, Debian's convention, honoured by invoke-rc.d and deb-systemd-invoke)
# is in place for the install, and removed after unless the machine had one already. No
# recommends (node-exporter, another daemon). Quiet: apt's output is shown only if it fails.
# Without root, say so and go on: that test then skips its promtool checks, saying why.
hr_ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  if ! hr_is_root || ! command -v apt-get >/dev/null 2>&1; then
    hr_warn "promtool is missing: test/integration/deploy-files.test.ts will skip its promtool checks; install it (apt-get install -y --no-install-recommends prometheus)"
    return 0
  fi
  local policy=/usr/sbin/policy-rc.d ours=0 log rc=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# hookrelay: no service starts while prometheus installs (scripts/lib/deps.sh)\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    ours=1
  fi
  log=$(mktemp)
  hr_info "installing promtool (apt-get install prometheus, its server not started)"
  hr_apt_install prometheus >"$log" 2>&1 || rc=$?
  if (( ours )); then rm -f "$policy"; fi
  # Belt and braces, for an init that ignores policy-rc.d: the package's own unit, never a
  # Prometheus of anyone else's.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus.service 2>/dev/null; then
    systemctl stop prometheus.service >/dev/null 2>&1 || true
  fi
  if (( rc != 0 )); then
    cat "$log" >&2
    rm -f "$log"
    hr_die "installing prometheus (for promtool) failed (exit $rc)"
  fi
  rm -f "$log"
  command -v promtool >/dev/null 2>&1 || hr_die "installed prometheus but promtool is not on PATH"
}
