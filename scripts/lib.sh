# Shared set-up for scripts/run and scripts/test: each step installs what is
# missing and skips what is already there, so a second run costs nothing.
# Nothing here downloads from outside the package registries (crates.io, npm).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export PATH="$ROOT/node_modules/.bin:${CARGO_INSTALL_ROOT:-$HOME/.cargo}/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# The binding of every D1 database a wrangler config (default wrangler.toml)
# declares: the library's main database and its periods' (ARCHITECTURE.md,
# "The library over several databases"), each migrated alike.
d1_bindings() { awk '/^\[/ { d1 = ($0 == "[[d1_databases]]") } d1 && $1 == "binding" { gsub(/"/, "", $3); print $3 }' "${1:-wrangler.toml}"; }

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
}

ensure_wasm_target() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return
  step "installing the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

# The wasm-bindgen CLI must be the exact version of the wasm-bindgen crate in
# Cargo.lock. Installed without --locked: its lock file pins a webpki-roots
# version the registry mirror lacks.
ensure_wasm_bindgen() {
  local want have
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  [ -n "$want" ] || die "wasm-bindgen is not in Cargo.lock"
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  [ "$have" = "$want" ] && return
  step "installing wasm-bindgen-cli $want (about 2 minutes, once)"
  cargo install wasm-bindgen-cli --version "$want"
}

# npm packages from package-lock.json, reinstalled only when the lock changed.
ensure_npm() {
  command -v node >/dev/null || die "Node.js 20 or newer is needed (node not found)"
  local stamp=node_modules/.gongkit-lock-sha256 want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return
  step "npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
}

# Debian's Chromium for the browser test (npm tools cannot download browsers here).
ensure_chromium() {
  command -v chromium >/dev/null && return
  step "installing Debian's chromium (browser test)"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y --no-install-recommends chromium >/dev/null \
    || { $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends chromium >/dev/null; } \
    || die "could not install chromium (apt-get install chromium)"
}

# The npm package as the JS tests import it: tests/js/node_modules/gongkit -> pkg/.
link_pkg() {
  mkdir -p tests/js/node_modules
  ln -sfn ../../../pkg tests/js/node_modules/gongkit
}

# worker-build at the version that matches the `worker` crate.
ensure_worker_build() {
  local want=0.8.7 have
  have=$(worker-build --version 2>/dev/null | awk '{print $NF}' || true)
  [ "$have" = "$want" ] && return
  step "installing worker-build $want (about 3 minutes, once)"
  cargo install --locked worker-build --version "$want"
}

# The official Python MCP SDK for tests/worker/mcp_python.py and DuckDB for the
# README's export recipe (tests/worker/export.test.mjs), in a venv of its
# own (.venv-test, git-ignored) from PyPI: pinned versions, installed only when
# missing or different.
PYTHON_TEST_PACKAGES=("mcp==2.3.0" "duckdb==2.0.0")
ensure_python_venv() {
  command -v python3 >/dev/null || die "python3 (3.10 or newer, with venv) is needed for the Python MCP test"
  local venv="$ROOT/.venv-test" want have
  if [ ! -x "$venv/bin/python" ]; then
    step "python3 -m venv .venv-test"
    python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  fi
  for want in "${PYTHON_TEST_PACKAGES[@]}"; do
    # pip show fails for a package not installed yet: that is "have nothing".
    have=$("$venv/bin/python" -m pip show "${want%%==*}" 2>/dev/null | awk '/^Version:/ { print $2 }' || true)
    [ "$have" = "${want#*==}" ] && continue
    step "pip install $want (into .venv-test)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$want"
  done
}

# The Python package's test tools (maturin, pytest, hypothesis, mypy) at
# pinned versions from PyPI, in .venv-py; reinstalled only when the pins
# change. maturin comes as a binary wheel.
PY_PKG_TOOLS="maturin==1.16.0 pytest==9.2.0 hypothesis==6.170.27 mypy==2.4.1"
ensure_python_pkg_venv() {
  command -v python3 >/dev/null || die "python3 (3.9 or newer) is needed for the Python package"
  local venv="$ROOT/.venv-py" stamp="$ROOT/.venv-py/.gongkit-pins"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PY_PKG_TOOLS" ] && return
  step "python3 -m venv .venv-py; pip install $PY_PKG_TOOLS"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $PY_PKG_TOOLS
  echo "$PY_PKG_TOOLS" > "$stamp"
}
