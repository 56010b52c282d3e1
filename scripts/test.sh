#!/usr/bin/env bash
# The whole test suite, as CI runs it: bootstrap, build, typecheck (tests included), test, package checks.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
pnpm exec turbo run build --output-logs=errors-only
pnpm exec turbo run typecheck --output-logs=errors-only
pnpm exec turbo run test --concurrency=1 --output-logs=full
pnpm exec turbo run check:package --output-logs=errors-only
