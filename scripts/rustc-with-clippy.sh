#!/usr/bin/env bash
# The rustc that scripts/test.sh builds with (as RUSTC_WORKSPACE_WRAPPER): clippy lints the
# project's own crates while they build, so no dependency is compiled twice, once by the tests
# and once more by a check-mode `cargo clippy` pass (see test.sh).
#
# Cargo calls it as `rustc-with-clippy.sh <rustc> <args>` for every workspace member. A crate
# of this repository goes to clippy-driver, with the arguments in CLIPPY_ARGS as `cargo clippy`
# would give them; anything else, the contract as cargo-contract, drink and ink_e2e build it
# (from a workspace of their own in a temporary directory), goes to rustc untouched:
# clippy-driver compiles with MIR optimizations off, which made the contract 85,846 B of code
# instead of 84,943 B (a1d0c94), and the tests must run the contract that users build.
#
# Environment: EHR_CLIPPY_DRIVER (clippy-driver of the pinned toolchain), EHR_LINT_ROOT (this
# repository's root), both set by scripts/test.sh.
set -euo pipefail

case "${CARGO_MANIFEST_DIR:-}/" in
  "$EHR_LINT_ROOT"/*) exec "$EHR_CLIPPY_DRIVER" "$@" ;;
  *) exec "$@" ;;
esac
