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

ensure_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
}
