#!/usr/bin/env bash
# The project's test command (README, Testing): everything CI checks, in the order that fails
# fastest. Runs scripts/setup.sh first, which skips whatever is already installed.
#
#   1. cargo fmt --check, and a probe crate proving the lint gate refuses a clippy warning;
#   2. unit tests (#[ink::test], the client's and the CLI's), with clippy -D warnings linting
#      every target of the workspace as it builds;
#   3. cargo contract build --release, and the bundle's three artifacts exist;
#   4. drink tests: the compiled contract in a sandboxed runtime, including the stateful
#      fuzzer's seeded 10,000-call slice (the long run is scripts/fuzz.sh), clippy linting the
#      drink crate as it builds;
#   5. end-to-end tests on real nodes: ink_e2e, ehr-client against the release bundle, and
#      the dashboard (`ehr serve`) driven in headless Chromium;
#   6. the demo (scripts/demo.sh), so the main job cannot rot.
#
# Environment:
#   EHR_CACHE         where build outputs are kept between runs (default ~/.cache/ehr)
#   CARGO_TARGET_DIR  the workspace's target directory (default $EHR_CACHE/target)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

cache=${EHR_CACHE:-$HOME/.cache/ehr}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}
# drink's bundle provider builds the contract into $CARGO_TARGET_DIR while the drink test crate
# compiles; the outer build needs a target directory of its own or the two wait on each other.
drink_target=$cache/drink-target
drink_manifest=contracts/drink-tests/Cargo.toml
# The contract that drink's macros build goes to a directory of its own: they build it with
# other settings (80,015 B of code against `cargo contract build --release`'s 84,943 B at
# dda3015), and built into $CARGO_TARGET_DIR it replaced the release bundle there, which a later
# `cargo contract build` with unchanged sources then kept (found 2026-11-26).
drink_contracts=$cache/drink-contract-target

started=$SECONDS
step() { printf '\n[test] %s (at %d s)\n' "$*" "$((SECONDS - started))"; }

step "setup"
"$root/scripts/setup.sh"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

step "format"
cargo fmt --all --check
cargo fmt --manifest-path "$drink_manifest" --all --check

step "the fuzzer's mutation patches still apply (scripts/fuzz.sh --mutants-only runs them)"
for patch in contracts/drink-tests/mutants/*.patch; do
  git apply --check "$patch" || { echo "$patch no longer applies: regenerate it" >&2; exit 1; }
done

# clippy lints as the tests build: scripts/rustc-with-clippy.sh hands this repository's crates
# to clippy-driver (the same lints as `cargo clippy`, every warning an error), so every
# dependency builds once, for the tests. A `cargo clippy` of its own would first check every
# dependency again in check mode, which a build cannot reuse: 612 s for the workspace and about
# 600 s for the drink crate in a cold run at aa08ed7. Exported, so the builds in bench.sh and
# demo.sh below reuse these artifacts (cargo keeps crates built with and without a wrapper
# apart).
EHR_CLIPPY_DRIVER=$(rustup which clippy-driver)
export EHR_CLIPPY_DRIVER EHR_LINT_ROOT=$root CLIPPY_ARGS=-Dwarnings
export RUSTC_WORKSPACE_WRAPPER=$root/scripts/rustc-with-clippy.sh

step "the lint gate refuses a warning (a probe crate with one clippy warning must not build)"
probe=$cache/lint-probe
mkdir -p "$probe/src"
printf '[package]\nname = "lint-probe"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n' \
  > "$probe/Cargo.toml"
printf 'fn main() {\n    let copied = 1u8;\n    let cloned = copied.clone();\n    println!("{cloned}");\n}\n' \
  > "$probe/src/main.rs"
if EHR_LINT_ROOT=$probe cargo build --quiet --manifest-path "$probe/Cargo.toml" \
  --target-dir "$probe/target" 2> "$probe/build.log"; then
  echo "the lint gate let a clippy warning through" >&2; exit 1
fi
grep -q 'clippy::clone_on_copy' "$probe/build.log" ||
  { cat "$probe/build.log" >&2; echo "the probe failed, but not on its clippy warning" >&2; exit 1; }

# Every cargo command on the workspace selects all of it (`--workspace`, then targets by name):
# cargo unifies features over the packages selected, so `-p ehr-client` or `--exclude ehr-e2e`
# would build the client and what it depends on again, with other features (37 s and more per
# step at a1d0c94).
step "unit tests, and clippy on every target of the workspace"
# One build of every target, the `ehr` binary included: the end-to-end tests and the demo run
# this one (EHR_BIN). `cargo build --bin ehr` selects fewer targets, and cargo then built about
# 60 crates a second time (58 s in a cold run at d1b785d): for that selection some crates are
# needed by proc macros only, cargo builds those without debug info, and every crate built on
# them changes too (README, "On a fresh machine").
cargo build --workspace --all-targets --locked
export EHR_BIN=$CARGO_TARGET_DIR/debug/ehr
test -x "$EHR_BIN" || { echo "the build left no $EHR_BIN" >&2; exit 1; }
cargo test --workspace --lib --bins --locked
cargo test --workspace --doc --locked

step "contract build"
built=$("$root/scripts/build-contract.sh")

step "drink tests (tables, bad inputs, the fuzzer's 10,000-call slice), and clippy on the drink crate"
# In release: the sandboxed runtime runs ~20 times faster optimized, and the benchmarks build
# with the same release dependencies, so there is one drink build instead of two. The benchmarks
# are built one at a time, after the tests: each target that uses drink's macros builds the
# contract from them, and two building it at once have raced on the same wasm file ("Error
# building contract: unexpected end-of-file", CI on 23b4769). The smoke run below runs both.
CARGO_TARGET_DIR=$drink_contracts \
  cargo test --release --manifest-path "$drink_manifest" --locked --target-dir "$drink_target"
for bench in fuzz message_costs; do
  CARGO_TARGET_DIR=$drink_contracts cargo bench --manifest-path "$drink_manifest" --locked \
    --target-dir "$drink_target" --bench "$bench" --no-run
done

step "end-to-end tests (real substrate-contracts-node; the dashboard in headless Chromium)"
# Each test starts its own node; two at a time suit a 2-core machine. The client tests get a
# copy of the release bundle: the ink_e2e tests rebuild the contract into the same directory.
# The dashboard test runs the `ehr` binary (`ehr serve`) from $EHR_BIN, built above.
mkdir -p "$cache/bundle"
cp "$built" "$cache/bundle/ehr.contract"
# The steps on nodes run under a deadline (scripts/deadline.sh): a hang fails the run with every
# thread's backtrace, instead of holding CI until its own limit.
EHR_CONTRACT_BUNDLE="$cache/bundle/ehr.contract" "$root/scripts/deadline.sh" 1800 \
  cargo test --workspace --locked --test '*' -- --test-threads 2 --nocapture \
  --skip batch_lands_exactly_once --skip watch_events_resumes

step "fault tests: signers, node restarts, dropped connections, finalized mode, two nodes"
# Two at a time, 500 bookings per signer (issue 14's size; EHR_FAULT_BOOKINGS=100 for a quick
# run; the two-node test at most 100, to end within its nodes' finality delay). Each test waits
# on its node far more than it computes: at 2026-11-26's 791e522 one at a time took 714 s, two
# at a time 460 and 437 s (all passed). They ran one at a time from
# 60d2e78, when two at once had hung; single tests then stalled too, on the pool's held
# transactions and on pruned state, both fixed since (see the README), the likely cause. If two
# at once hang again, `--test-threads 1` is the way back. (The depth, pruned-state and
# off-chain-birth-block tests, which run no batch, ran with the end-to-end tests above.)
EHR_FAULT_BOOKINGS=${EHR_FAULT_BOOKINGS:-500} EHR_CONTRACT_BUNDLE="$cache/bundle/ehr.contract" \
  "$root/scripts/deadline.sh" 1800 \
  cargo test --workspace --locked --test faults -- --test-threads 2 --nocapture \
  --skip depth_mode --skip settling_a_transaction --skip a_transaction_mortal_from

step "benchmarks, smoke run (small sizes; the full run is scripts/bench.sh)"
"$root/scripts/bench.sh" --smoke

step "demo"
"$root/scripts/deadline.sh" 900 "$root/scripts/demo.sh"

step "all passed in $((SECONDS - started)) s"
