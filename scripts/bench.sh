#!/usr/bin/env bash
# Runs the benchmarks against the emulator and writes docs/performance.md.
# BENCH_QUICK=1 runs smaller scenarios and does not write the file; BENCH_RUNS sets the repetitions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
pnpm exec turbo run build --output-logs=errors-only
# Node's module compile cache in a directory of this run's own (wif turns the cache on at start;
# NODE_COMPILE_CACHE names where): the shared one in the temporary directory keeps an entry per file
# version ever run, and with tens of thousands of them (every build of every checkout on this
# machine) `wif plan` measured 355 ms instead of 272 ms. Each scenario's warm-up run fills this one.
NODE_COMPILE_CACHE="$(mktemp -d "${TMPDIR:-/tmp}/wif-bench-compile-cache.XXXXXX")"
export NODE_COMPILE_CACHE
trap 'rm -rf "$NODE_COMPILE_CACHE"' EXIT
cd bench && pnpm exec tsx run.ts
