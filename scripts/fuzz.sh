#!/usr/bin/env bash
# The stateful fuzzer's long run and its mutation check, written into docs/fuzzing.md.
#
#   scripts/fuzz.sh                       both, with the defaults below
#   scripts/fuzz.sh --long-run-only       the long run only
#   scripts/fuzz.sh --mutants-only        the mutation check only
#
# Long run: `cargo bench --bench fuzz` (contracts/drink-tests/benches/fuzz.rs), FUZZ_CALLS contract
# calls over FUZZ_SHARDS seeded sequences from FUZZ_SEED, every rule checked after every call.
#
# Mutation check: each patch in contracts/drink-tests/mutants/ removes one guard from the
# contract. The patch is applied in a scratch git worktree and the fuzzer runs on the mutant,
# with seeds 1..MUTANT_SEEDS, until it reports a violation (at most MUTANT_CALLS calls each).
# The main build's bundle is never touched: the mutant's contract builds into its own directory.
#
# Environment: FUZZ_CALLS (1000000), FUZZ_SHARDS (2), FUZZ_SEED (1), MUTANT_CALLS (200000),
# MUTANT_SEEDS (3), EHR_CACHE (~/.cache/ehr), FUZZ_DOC (docs/fuzzing.md).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

long_run=1
mutants=1
case "${1:-}" in
  --long-run-only) mutants=0 ;;
  --mutants-only) long_run=0 ;;
  "") ;;
  *) echo "usage: scripts/fuzz.sh [--long-run-only | --mutants-only]" >&2; exit 2 ;;
esac

calls=${FUZZ_CALLS:-1000000}
shards=${FUZZ_SHARDS:-2}
seed=${FUZZ_SEED:-1}
mutant_calls=${MUTANT_CALLS:-200000}
mutant_seeds=${MUTANT_SEEDS:-3}
cache=${EHR_CACHE:-$HOME/.cache/ehr}
doc=${FUZZ_DOC:-$root/docs/fuzzing.md}
drink_target=$cache/drink-target
# drink's macros build the contract into $CARGO_TARGET_DIR: a directory of its own (see test.sh)
drink_contracts=$cache/drink-contract-target
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}

commit=$(git rev-parse --short HEAD)
dirty=$(git status --porcelain --untracked-files=no | grep -q . && echo " (with uncommitted changes)" || true)
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sm)"

# Replaces the text between `<!-- $1:start -->` and `<!-- $1:end -->` in $doc with file $2.
splice() {
  python3 - "$doc" "$1" "$2" <<'EOF'
import sys
doc, name, section = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
text = open(doc).read()
start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
head, rest = text.split(start, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(f"{head}{start}\n{section}{end}{tail}")
EOF
}

if [ "$long_run" = 1 ]; then
  out=$(mktemp)
  command="cargo bench --manifest-path contracts/drink-tests/Cargo.toml --bench fuzz -- --calls $calls --shards $shards --seed $seed"
  echo "[fuzz] long run: $command" >&2
  started=$(date -u +%Y-%m-%dT%H:%MZ)
  status=0
  CARGO_TARGET_DIR=$drink_contracts cargo bench --manifest-path contracts/drink-tests/Cargo.toml \
    --locked --target-dir "$drink_target" --bench fuzz -- \
    --calls "$calls" --shards "$shards" --seed "$seed" > "$out" || status=$?
  {
    printf 'Machine: %s. Started %s, commit `%s`%s.\n\n' "$machine" "$started" "$commit" "$dirty"
    printf 'Command: `scripts/fuzz.sh --long-run-only` (runs `%s`).\n\n' "$command"
    cat "$out"
  } > "$out.md"
  splice long-run "$out.md"
  cat "$out"
  [ "$status" = 0 ] || { echo "[fuzz] the long run found a violation (see $doc)" >&2; exit 1; }
fi

if [ "$mutants" = 1 ]; then
  scratch=$cache/mutant-worktree
  table=$(mktemp)
  printf '| mutant (guard removed) | seed | calls to find: exact errors | calls to find: a forbidden success | rule broken (forbidden success) | shrunk to | the shrunk violation |\n|---|---:|---:|---:|---|---:|---|\n' > "$table"
  # Runs the fuzzer on the mutant in $scratch; prints "calls|rule|steps|detail" ("" if none).
  run_mutant() {
    local out=$1; shift
    local status=0
    (cd "$scratch" && CARGO_TARGET_DIR=$cache/mutant-target cargo bench \
      --manifest-path contracts/drink-tests/Cargo.toml --locked \
      --target-dir "$drink_target" --bench fuzz -- \
      --calls "$mutant_calls" --shards 1 --sweep-every 1000 --shrink-seconds 120 "$@") > "$out" || status=$?
    if [ "$status" = 0 ]; then
      echo ""
      return
    fi
    local found rule shrunk detail
    found=$(grep -m1 '^Found after' "$out" | sed -E 's/^Found after ([0-9]+) calls: .*/\1/')
    rule=$(grep -m1 '^Rule: ' "$out" | sed -E 's/^Rule: //')
    shrunk=$(grep -m1 '^Shrunk to' "$out" | sed -E 's/^Shrunk to ([0-9]+) steps.*/\1/')
    detail=$(grep -m1 '^Shrunk to' "$out" | sed -E 's/^Shrunk to [0-9]+ steps: //' | cut -c1-200 | sed 's/|/\\|/g')
    echo "$found|$rule|$shrunk|$detail"
  }
  for patch in contracts/drink-tests/mutants/*.patch; do
    name=$(basename "$patch" .patch)
    git worktree remove --force "$scratch" 2>/dev/null || rm -rf "$scratch"
    git worktree prune
    git worktree add --detach --quiet "$scratch" HEAD
    git -C "$scratch" apply "$root/$patch"
    for mutant_seed in $(seq 1 "$mutant_seeds"); do
      echo "[fuzz] mutant $name, seed $mutant_seed" >&2
      exact=$(run_mutant "$cache/mutant-$name-$mutant_seed-exact.txt" --seed "$mutant_seed")
      breach=$(run_mutant "$cache/mutant-$name-$mutant_seed.txt" --seed "$mutant_seed" --refusals-only)
      exact_calls=${exact%%|*}
      if [ -z "$breach" ]; then
        printf '| `%s` | %s | %s | not found in %s | | | |\n' "$name" "$mutant_seed" "${exact_calls:-not found}" "$mutant_calls" >> "$table"
      else
        IFS='|' read -r calls rule steps detail <<< "$breach"
        printf '| `%s` | %s | %s | %s | %s | %s steps | %s |\n' "$name" "$mutant_seed" "${exact_calls:-not found}" "$calls" "$rule" "$steps" "$detail" >> "$table"
      fi
    done
  done
  git worktree remove --force "$scratch"
  {
    printf 'Machine: %s. Run %s, commit `%s`%s.\n\n' "$machine" "$(date -u +%Y-%m-%dT%H:%MZ)" "$commit" "$dirty"
    printf 'Command: `scripts/fuzz.sh --mutants-only` (each patch in `contracts/drink-tests/mutants/`, seeds 1 to %s, at most %s calls each, run twice: with exact errors, and with `--refusals-only`, where only a call that succeeds when the model says it must be refused, or a broken invariant, counts).\n\n' "$mutant_seeds" "$mutant_calls"
    cat "$table"
    printf '\nEach full report, with the shrunk sequence as a ready-to-paste test, is kept in `%s/mutant-<name>-<seed>.txt` (`-exact.txt` for the exact-error runs).\n' "${cache/#$HOME/\~}"
  } > "$table.md"
  splice mutants "$table.md"
  cat "$table.md"
fi
