# Shared by the scripts in this folder: paths, PATH and messages. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Tools live where cargo and npm put them; wasm-opt comes from npm's binaryen, never Debian's.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/end2end/node_modules/.bin:$PATH"

CARGO_LEPTOS_VERSION="0.3.11"
# The API fuzzer (PyPI), in its own virtual environment under .tools/.
SCHEMATHESIS_VERSION="4.32.5"
SCHEMATHESIS="$ROOT/.tools/schemathesis/bin/schemathesis"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

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

# Builds the release site with content-hashed file names (pkg/latch.<hash>.wasm), which the
# server lets browsers cache for a year. Cargo.toml leaves hashing off because `cargo leptos
# watch` hashes only its first build: later rebuilds would leave pages naming stale files.
build_release_site() {
  LEPTOS_HASH_FILES=true cargo leptos build --release "$@"
}

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Debian's nginx lives in /usr/sbin, which is not on every user's PATH.
nginx_bin() {
  command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}
