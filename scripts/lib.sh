# Shared by the scripts in this folder: paths, PATH, messages, background jobs and the release
# build. Source it; do not run it.
[ -z "${LATCH_LIB_LOADED:-}" ] || return 0
LATCH_LIB_LOADED=1
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Tools live where cargo and npm put them; wasm-opt comes from npm's binaryen, never Debian's.
# (scripts/dev exports PATH with these for cargo-leptos, which runs wasm-bindgen from PATH.)
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/end2end/node_modules/.bin:$PATH"

# Only `cargo leptos watch` (scripts/dev) uses it; the release build does without.
CARGO_LEPTOS_VERSION="0.3.11"
# The API fuzzer (PyPI), in its own virtual environment under .tools/.
SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS="$ROOT/.tools/schemathesis/bin/schemathesis"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Slow installs and builds run in the background while cargo compiles in the foreground:
# `background NAME COMMAND...` starts one in its own process group, its output in
# target/logs/NAME.log; `await_job NAME` waits for it and stops the script with the end of
# that log if it failed. Whatever is still running when the script exits (a failure, Ctrl-C)
# is stopped with it, as are the commands given to `at_exit`.
declare -A bg_pids=()
exit_hooks=()
LOG_DIR="$ROOT/target/logs"
background() {
  local name="$1"
  shift
  mkdir -p "$LOG_DIR"
  set -m
  # No terminal input: a job that asked for some (sudo's password) would stop, not fail.
  ("$@") </dev/null >"$LOG_DIR/$name.log" 2>&1 &
  bg_pids[$name]=$!
  set +m
  say "$name: running in the background (log: target/logs/$name.log)"
}
await_job() {
  local name="$1" pid="${bg_pids[$1]:-}"
  [ -n "$pid" ] || return 0
  unset "bg_pids[$name]"
  say "$name: waiting for it"
  if wait "$pid"; then say "$name: done"; return 0; fi
  tail -n 40 "$LOG_DIR/$name.log" >&2
  fail "$name failed (its whole log: target/logs/$name.log)"
}
await_all_jobs() {
  local name
  for name in "${!bg_pids[@]}"; do await_job "$name"; done
}
at_exit() { exit_hooks+=("$1"); }
on_exit() {
  local pid hook
  for pid in "${bg_pids[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  for hook in "${exit_hooks[@]}"; do eval "$hook"; done
}
trap on_exit EXIT

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else fail "need root to run: $* (install sudo or run as root)"; fi
}

# Installs Debian packages, refreshing the package lists once per script.
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# The wasm-bindgen version Cargo.lock resolved; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# Leptos's renderer, patched (patches/tachys-*.patch says why); scripts/setup unpacks it where
# Cargo.toml's [patch.crates-io] looks, after checking the download against this digest.
TACHYS_VERSION="0.2.19"
TACHYS_SHA256="e47e2220bb9d2a3be976a22a0fb7685a0b84499bb11ea5cb3bbc82907675ac68"

# Whether this machine's nightly compiler can build the release WASM (scripts/setup adds the
# std sources and the WASM target to it when there is one).
wasm_nightly_ready() {
  rustup toolchain list 2>/dev/null | grep -q '^nightly-' &&
    rustup +nightly component list --installed 2>/dev/null | grep -q '^rust-src' &&
    rustup +nightly target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}

# The release site (scripts/site.sh builds it as cargo-leptos would): the WASM, JS glue and CSS
# with content-hashed file names (pkg/latch.<hash>.wasm), which the server lets browsers cache
# for a year. Cargo.toml leaves hashing off because `cargo leptos watch` hashes only its first
# build: later rebuilds would leave pages naming stale files.
source "$ROOT/scripts/site.sh"

# The front: the WASM compiles while a wasm-bindgen-cli install started by setup may still run.
build_release_front() {
  compile_release_front
  await_job wasm-bindgen-cli
  package_release_front
}

# The whole site. The server (stable, target/release) and the WASM (nightly or stable,
# target/front) share no build, so the server compiles alongside: on two cores each fills the
# other's single-threaded stretches (the WASM's link-time optimisation, the server crate).
build_release_site() {
  background server-build compile_release_server
  build_release_front
  await_job server-build
}

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Debian's nginx lives in /usr/sbin, which is not on every user's PATH.
nginx_bin() {
  command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}

# Processes of a throw-away cluster in DIR (scripts/proxy-cluster, scripts/deploy-example):
# `launch` and its callers use the caller's "$dir".
# N ports free at once (held together, so no two are the same).
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))
PY
}

# Waits until URL answers 200 (with "any": any HTTP status) while process PID lives.
wait_ready() {
  local url="$1" pid="$2" log="$3" any="${4:-}"
  python3 - "$url" "$pid" "$any" <<'PY' || { tail -n 20 "$log" >&2; fail "$url did not become ready"; }
import os, sys, time, urllib.error, urllib.request
url, pid, any_status = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "any"
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        urllib.request.urlopen(url, timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError:
        if any_status:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit(1)
PY
}

alive() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
  [ -n "$state" ] && [ "${state:0:1}" != Z ]
}

# Runs a process of the cluster in its own session (so a terminal's signals reach only this
# script, which stops everything in order), with its pid in DIR/NAME.pid.
launch() {
  local name="$1"; shift
  setsid "$@" >>"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

# Stops every process `launch` started in DIR: SIGTERM to all, then SIGKILL to any still
# running 10 s later.
stop_launched() {
  local pidfile pid
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] && kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

# The end of each given log that is not empty, named relative to DIR: what a cluster's
# processes said, shown before DIR (and the logs with it) is deleted.
show_logs() {
  local log
  for log in "$@"; do
    [ -s "$log" ] || continue
    echo "--- ${log#"$dir"/}" >&2
    tail -n 50 "$log" >&2
  done
}
