#!/usr/bin/env bash
# Bounded fuzzing, as CI runs it (.ci/run, after the tests): builds both
# targets once, then runs each for FUZZ_SECONDS (default 30) over its corpus
# and its seeds (fuzz/seeds/<target>). A crash, a panic or an input slower
# than 10 s fails the step; libFuzzer leaves the input in
# fuzz/artifacts/<target>/ and prints how to replay it (fuzz/README.md).
#
# The instrumented build and the corpus live in FUZZ_CACHE (default
# ~/.cache/fundtrail-fuzz), outside the clone: CI works on a fresh clone, and
# a cold build of the whole API stack takes about 4 minutes on 2 cores where a
# kept one rebuilds in seconds; the corpus grows from run to run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-30}"
cache="${FUZZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fundtrail-fuzz}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
# cargo-fuzz passes nightly-only flags to rustc; this machine has stable.
export RUSTC_BOOTSTRAP=1
# No sanitizer: the code under test is safe Rust (AddressSanitizer would
# slow the build and the runs for little); 16 codegen units instead of
# cargo-fuzz's 1: a build that fits CI, a little slower to run.
flags=(--sanitizer none --codegen-units 16 --target-dir "$cache/target")

started=$(date +%s)
cargo fuzz build "${flags[@]}"
echo "fuzz targets built in $(($(date +%s) - started)) s"

for target in decide graphql_request; do
  corpus="$cache/corpus/$target"
  mkdir -p "$corpus"
  dirs=("$corpus")
  if [ -d "fuzz/seeds/$target" ]; then
    dirs+=("fuzz/seeds/$target")
  fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  if [ "$target" = graphql_request ]; then
    args+=(-dict="$PWD/fuzz/graphql.dict")
  fi
  cargo fuzz run "${flags[@]}" "$target" "${dirs[@]}" -- "${args[@]}"
done
echo "fuzzing done in $(($(date +%s) - started)) s"
