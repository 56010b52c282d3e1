#!/usr/bin/env bash
# The whole test suite, as CI runs it: bootstrap, build, typecheck (tests included), lint and
# format checks, every package's tests, the package checks (publint, attw, API reports), the
# bootstrap's shell-options test, and the release (scripts/release.sh) with its consumer smoke test
# (scripts/smoke.sh: plain npm, outside the workspace).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 FORCE_COLOR=0 NO_COLOR=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

echo "== build"
pnpm exec turbo run build --output-logs=errors-only
echo "== typecheck"
pnpm exec turbo run typecheck --output-logs=errors-only
echo "== lint"
pnpm exec eslint packages examples bench
pnpm exec prettier --check "packages/*/src/**/*.ts" "packages/*/test/**/*.ts" "examples/**/*.ts" "bench/**/*.ts"
echo "== api docs (TypeDoc builds from the TSDoc; bash scripts/docs.sh writes docs/api)"
pnpm exec typedoc --logLevel Warn --emit none
echo "== test"
status=0
pnpm exec turbo run test --concurrency=2 --output-logs=full 2>&1 | tee "$log" || status=$?
echo "== package checks"
pnpm exec turbo run check:package --output-logs=errors-only || status=$?
echo "== repository (cited documents exist, docs/api not committed, azure-devops-node-api dev-only)"
{ node --test scripts/check-repo.test.mjs && node scripts/check-repo.mjs; } || status=$?
echo "== scripts (bootstrap leaves the shell's options alone)"
bash scripts/test-bootstrap.sh || status=$?
echo "== release and consumer smoke test (dist-release/, plain npm outside the workspace)"
{ bash scripts/release.sh && bash scripts/smoke.sh; } || status=$?

# One closing line for the whole suite (the sum of every package's vitest summary).
passed=0 failed=0
while read -r line; do
  p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + p)) failed=$((failed + f))
done < <(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E ':test: +Tests +')
echo "${passed} passed, ${failed} failed"
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then status=1; fi
exit "$status"
