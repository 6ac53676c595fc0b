# The release site, built as `LEPTOS_HASH_FILES=true cargo leptos build --release` builds it
# (cargo-leptos 0.3.11, src/compile/{front,style,hash,server}.rs and config/project.rs), without
# cargo-leptos: it takes 12-17 minutes to compile on two cores and only `cargo leptos watch`
# needs it (scripts/dev). Same cargo commands and environment, same wasm-bindgen and wasm-opt
# flags, the same Lightning CSS and the same minifier (swc) from npm, the same hashed names
# and hash file. Sourced by lib.sh; do not run it (scripts/build-site does).

# A value of Cargo.toml's [[workspace.metadata.leptos]] block, which `cargo leptos watch` reads,
# so that the two builds cannot drift apart.
leptos_meta() {
  awk -v key="$1" '
    /^\[\[workspace\.metadata\.leptos\]\]/ { inside = 1; next }
    /^\[/ { inside = 0 }
    inside && $1 == key { sub(/^[^=]*=[ \t]*/, ""); gsub(/"/, ""); print; exit }
  ' "$ROOT/Cargo.toml"
}

# Reads the configuration once. As in cargo-leptos, LEPTOS_* variables override Cargo.toml
# (a test build can go to another site root and hash file, away from a running server's).
site_config() {
  [ -z "${SITE_CONFIGURED:-}" ] || return 0
  SITE_CONFIGURED=1
  # cargo-leptos's defaults that this workspace keeps; anything else needs this file changed.
  [ "$(leptos_meta lib-features)$(leptos_meta bin-features)" = "[][]" ] &&
    [ "$(leptos_meta lib-default-features)$(leptos_meta bin-default-features)" = "falsefalse" ] ||
    fail "scripts/site.sh builds without cargo features: Cargo.toml's leptos metadata asks for some"
  SITE_OUTPUT="${LEPTOS_OUTPUT_NAME:-$(leptos_meta name)}"
  SITE_ROOT="${LEPTOS_SITE_ROOT:-$(leptos_meta site-root)}"
  case "$SITE_ROOT" in /*) SITE_DIR="$SITE_ROOT" ;; *) SITE_DIR="$ROOT/$SITE_ROOT" ;; esac
  SITE_PKG="${LEPTOS_SITE_PKG_DIR:-$(leptos_meta site-pkg-dir)}"
  SITE_LIB="$(leptos_meta lib-package)"
  SITE_BIN="$(leptos_meta bin-package)"
  SITE_LIB_PROFILE="$(leptos_meta lib-profile-release)"
  # The server looks for the hash file next to its binary unless the name is absolute.
  local hash_name="${LEPTOS_HASH_FILE_NAME:-hash.txt}"
  case "$hash_name" in /*) SITE_HASH_FILE="$hash_name" ;; *) SITE_HASH_FILE="$ROOT/target/release/$hash_name" ;; esac
  # What cargo-leptos puts in cargo's environment (Project::to_envs). Leptos reads
  # LEPTOS_OUTPUT_NAME while compiling (.cargo/config.toml sets the same); the rest only at
  # run time, where the server's own settings win, but they cost nothing to keep identical.
  SITE_ENV=(
    LEPTOS_OUTPUT_NAME="$SITE_OUTPUT" LEPTOS_SITE_ROOT="$SITE_ROOT" LEPTOS_SITE_PKG_DIR="$SITE_PKG"
    LEPTOS_SITE_ADDR="$(leptos_meta site-addr)" LEPTOS_RELOAD_PORT="$(leptos_meta reload-port)"
    LEPTOS_LIB_DIR="$SITE_LIB" LEPTOS_BIN_DIR="$SITE_BIN" LEPTOS_JS_MINIFY=true
    LEPTOS_HASH_FILES=true LEPTOS_HASH_FILE_NAME="$hash_name"
  )
}

# Compiles the WASM. On the nightly compiler std is rebuilt for size without panic messages,
# `{:?}` text or source locations, which the release bundle never shows; on stable the bundle
# is larger (BENCHMARKS.md has both). These flags replace build.rustflags, so they repeat its cfg.
compile_release_front() {
  site_config
  local flags="--cfg erase_components --cfg latch_sync_hydrate" nightly=()
  if wasm_nightly_ready; then
    nightly=(RUSTUP_TOOLCHAIN=nightly CARGO_UNSTABLE_BUILD_STD=std,panic_abort)
    flags+=" -Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none"
  else
    say "no nightly compiler with rust-src and the WASM target: building the WASM on stable (larger)"
  fi
  env "${nightly[@]}" "${SITE_ENV[@]}" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags" \
    cargo build --package="$SITE_LIB" --lib --target-dir="$ROOT/target/front" \
    --target=wasm32-unknown-unknown --no-default-features --profile="$SITE_LIB_PROFILE"
}

# Turns the compiled WASM into the site's pkg folder: wasm-bindgen's JS glue, wasm-opt, the
# minified JS and CSS, each renamed after its content's hash, and the hash file the server
# reads. Built beside the site and swapped in whole.
package_release_front() {
  site_config
  local bindgen_version wasm stage
  bindgen_version="$(locked_wasm_bindgen_version)"
  [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$bindgen_version" ] ||
    fail "wasm-bindgen $bindgen_version (Cargo.lock's) is not on PATH: run scripts/setup"
  command -v lightningcss >/dev/null || fail "lightningcss is not on PATH: run scripts/setup"
  wasm="$ROOT/target/front/wasm32-unknown-unknown/$SITE_LIB_PROFILE/$SITE_LIB.wasm"
  mkdir -p "$SITE_DIR"
  rm -rf "$SITE_DIR/.$SITE_PKG".*   # left by an interrupted build
  stage="$(mktemp -d "$SITE_DIR/.$SITE_PKG.XXXXXX")"
  # No TypeScript declarations: cargo-leptos copies them, hashed, but nothing loads them.
  wasm-bindgen --target=web --no-typescript --out-name="$SITE_OUTPUT" --out-dir="$stage" "$wasm"
  # Leptos's HydrationScripts expects <name>.wasm, not wasm-bindgen's <name>_bg.wasm.
  mv "$stage/${SITE_OUTPUT}_bg.wasm" "$stage/$SITE_OUTPUT.wasm"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$stage/$SITE_OUTPUT.wasm" -o "$stage/$SITE_OUTPUT.wasm"
  # cargo-leptos's process_css: Lightning CSS, prefixed for the browserquery, minified.
  lightningcss --minify --targets "$(leptos_meta browserquery)" \
    "$ROOT/$(leptos_meta style-file)" -o "$stage/$SITE_OUTPUT.css"
  node - "$ROOT" "$stage" "$SITE_OUTPUT" "$SITE_HASH_FILE" <<'JS'
// cargo-leptos's JS minification (swc: compress, mangle, module) and add_hashes_to_site.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const [root, stage, name, hashFile] = process.argv.slice(2);
const npm = require('module').createRequire(path.join(root, 'end2end', 'package.json'));
const jsFile = path.join(stage, `${name}.js`);
const minified = npm('@swc/core').minifySync(fs.readFileSync(jsFile, 'utf8'), {
  compress: true,
  mangle: true,
  module: true,
});
fs.writeFileSync(jsFile, minified.code);
// Every file but wasm-bindgen's snippets (which the glue imports by their plain names) is
// renamed <stem>.<base64url MD5, 22 characters>.<extension>.
const hashes = {};
const renamed = [];
for (const file of fs.readdirSync(stage)) {
  const from = path.join(stage, file);
  if (!fs.statSync(from).isFile()) continue;
  const hash = crypto.createHash('md5').update(fs.readFileSync(from)).digest('base64url');
  const ext = path.extname(file);
  const to = `${path.basename(file, ext)}.${hash}${ext}`;
  fs.renameSync(from, path.join(stage, to));
  renamed.push([file, to]);
  hashes[file] = hash;
}
// As cargo-leptos does, the glue's mentions of renamed files follow them (hashed before).
const glue = path.join(stage, renamed.find(([from]) => from === `${name}.js`)[1]);
let text = fs.readFileSync(glue, 'utf8');
for (const [from, to] of renamed) text = text.split(from).join(to);
fs.writeFileSync(glue, text);
fs.mkdirSync(path.dirname(hashFile), { recursive: true });
const line = (ext) => `${ext}: ${hashes[`${name}.${ext}`]}\n`;
fs.writeFileSync(`${hashFile}.new`, line('js') + line('wasm') + line('css'));
JS
  # The new folder replaces the old one; then the hash file that names its files.
  rm -rf "$SITE_DIR/$SITE_PKG.old"
  [ ! -e "$SITE_DIR/$SITE_PKG" ] || mv "$SITE_DIR/$SITE_PKG" "$SITE_DIR/$SITE_PKG.old"
  mv "$stage" "$SITE_DIR/$SITE_PKG"
  chmod 755 "$SITE_DIR/$SITE_PKG"
  mv "$SITE_HASH_FILE.new" "$SITE_HASH_FILE"
  rm -rf "$SITE_DIR/$SITE_PKG.old"
}

# The server binary (target/release/server), as `cargo leptos build --release --server-only`.
compile_release_server() {
  site_config
  env "${SITE_ENV[@]}" cargo build --package="$SITE_BIN" --bin="$SITE_BIN" --no-default-features --release
}
