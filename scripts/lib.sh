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

# Builds the release WASM, JS glue and CSS with content-hashed file names
# (pkg/latch.<hash>.wasm), which the server lets browsers cache for a year. Cargo.toml leaves
# hashing off because `cargo leptos watch` hashes only its first build: later rebuilds would
# leave pages naming stale files.
# On the nightly compiler std is rebuilt for size without panic messages, `{:?}` text or
# source locations, which the release bundle never shows; on stable the bundle is larger
# (BENCHMARKS.md has both). These flags replace build.rustflags, so they repeat its cfg.
build_release_front() {
  local flags="--cfg erase_components --cfg latch_sync_hydrate" nightly=()
  if wasm_nightly_ready; then
    nightly=(RUSTUP_TOOLCHAIN=nightly CARGO_UNSTABLE_BUILD_STD=std,panic_abort)
    flags+=" -Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none"
  else
    say "no nightly compiler with rust-src and the WASM target: building the WASM on stable (larger)"
  fi
  env "${nightly[@]}" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags" LEPTOS_HASH_FILES=true \
    cargo leptos build --release --frontend-only
}

# The release site: the front as above, then the server (on the default, stable compiler).
build_release_site() {
  build_release_front
  LEPTOS_HASH_FILES=true cargo leptos build --release --server-only
}

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Debian's nginx lives in /usr/sbin, which is not on every user's PATH.
nginx_bin() {
  command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}
