#!/usr/bin/env bash
# Runs the benchmarks against the emulator and writes docs/performance.md.
# BENCH_QUICK=1 runs smaller scenarios and does not write the file; BENCH_RUNS sets the repetitions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
pnpm exec turbo run build --output-logs=errors-only
cd bench && pnpm exec tsx run.ts
