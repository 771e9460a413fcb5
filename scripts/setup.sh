#!/usr/bin/env bash
# Installs what building and testing this project needs, and skips whatever is already there
# at the right version. Safe to run again and again.
#
#   - Rust 1.90.0 with rust-src, clippy, rustfmt and the wasm32-unknown-unknown target
#     (cargo-contract 5.0.3 fails on Rust >= 1.91; rustup does not auto-install it here);
#   - cargo-contract 5.0.3;
#   - substrate-contracts-node 0.42.0 (or the binary named by $CONTRACTS_NODE, if that is
#     version 0.42.0): built from source when missing, which takes about 80 minutes on 2 cores.
#
# Environment:
#   CONTRACTS_NODE   path to an existing substrate-contracts-node 0.42.0 binary to use
#   EHR_SKIP_NODE=1  do not install the node (contract build and drink tests do not need it)
set -euo pipefail

RUST_VERSION=1.90.0
# Toolchain the node's WASM runtimes are built with: sp-io 38 does not compile on newer Rust.
NODE_RUNTIME_RUST_VERSION=1.86.0
CARGO_CONTRACT_VERSION=5.0.3
NODE_VERSION=0.42.0

CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
export PATH="$CARGO_HOME/bin:$PATH"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

install_toolchain() { # version
  local version=$1
  if rustup run "$version" rustc --version >/dev/null 2>&1 &&
     rustup component list --toolchain "$version" --installed 2>/dev/null | grep -q '^rust-src' &&
     rustup target list --toolchain "$version" --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    say "Rust $version present"
    return
  fi
  say "installing Rust $version"
  rustup toolchain install "$version" --profile minimal \
    --component rust-src --component clippy --component rustfmt \
    --target wasm32-unknown-unknown
}

need_apt_packages() { # package...
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  command -v apt-get >/dev/null || die "please install: ${missing[*]}"
  say "installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

install_cargo_contract() {
  if cargo contract --version 2>/dev/null | grep -Eq "^cargo-contract(-contract)? $CARGO_CONTRACT_VERSION-"; then
    say "cargo-contract $CARGO_CONTRACT_VERSION present"
    return
  fi
  say "building cargo-contract $CARGO_CONTRACT_VERSION from source (about 18 minutes on 2 cores)"
  cargo "+$RUST_VERSION" install cargo-contract --version "$CARGO_CONTRACT_VERSION" --locked --force
}

node_version_ok() { # binary
  "$1" --version 2>/dev/null | grep -q "substrate-contracts-node $NODE_VERSION"
}

# Where cargo unpacks crates from crates.io for this cargo version.
registry_src_dir() {
  ls -dt "$CARGO_HOME"/registry/src/index.crates.io-* 2>/dev/null | head -n 1
}

install_node() {
  if [ -n "${CONTRACTS_NODE:-}" ]; then
    node_version_ok "$CONTRACTS_NODE" || die "CONTRACTS_NODE=$CONTRACTS_NODE is not substrate-contracts-node $NODE_VERSION"
    say "using CONTRACTS_NODE=$CONTRACTS_NODE"
    return
  fi
  if command -v substrate-contracts-node >/dev/null && node_version_ok "$(command -v substrate-contracts-node)"; then
    say "substrate-contracts-node $NODE_VERSION present"
    return
  fi
  need_apt_packages clang libclang-dev protobuf-compiler
  install_toolchain "$NODE_RUNTIME_RUST_VERSION"
  # The node's build scripts compile three runtimes to WASM. Without a hint they resolve the
  # runtimes' dependencies afresh (no Cargo.lock found) and pick incompatible versions; the hint
  # points them at the crate's own Cargo.lock, in the directory cargo unpacks the crate into.
  local index
  index=$(registry_src_dir)
  [ -n "$index" ] || die "cannot find cargo's registry source directory under $CARGO_HOME"
  say "building substrate-contracts-node $NODE_VERSION from source (about 80 minutes on 2 cores)"
  # Run outside the project so its rust-toolchain.toml does not apply to the node build.
  (cd / && WASM_BUILD_TOOLCHAIN="$NODE_RUNTIME_RUST_VERSION" \
    WASM_BUILD_WORKSPACE_HINT="$index/contracts-node-$NODE_VERSION" \
    cargo install contracts-node --version "$NODE_VERSION" --locked --force)
  node_version_ok "$CARGO_HOME/bin/substrate-contracts-node" || die "the node build did not produce version $NODE_VERSION"
}

command -v rustup >/dev/null || die "rustup is required (https://rustup.rs)"
install_toolchain "$RUST_VERSION"
install_cargo_contract
# Make sure cargo's registry directory exists before the node build needs its path.
(cd "$(dirname "$0")/.." && cargo "+$RUST_VERSION" fetch --quiet)
# The dashboard's browser tests drive Debian's Chromium through its ChromeDriver.
if [ "${EHR_SKIP_BROWSER:-0}" = 1 ]; then
  say "EHR_SKIP_BROWSER=1: not installing chromium"
elif command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  say "chromium and chromedriver present"
else
  need_apt_packages chromium chromium-driver
fi
if [ "${EHR_SKIP_NODE:-0}" = 1 ]; then
  say "EHR_SKIP_NODE=1: not installing substrate-contracts-node"
else
  install_node
fi
say "done"
