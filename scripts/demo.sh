#!/usr/bin/env bash
# The main job, on a fresh clone with only a system Node and npm: vend an environment set (dev, prod,
# prod-readonly) against the local emulator, prove each trust chain by a real token exchange, and
# audit the organization. Nothing here reaches Azure; the same commands do, without --emulator.
#
#   bash scripts/demo.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS

source scripts/bootstrap.sh # Node 24 + pnpm into tools/bootstrap, then the workspace (frozen lockfile)
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

bold() { if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

bold "Building wif (packages/cli/dist/wif.js)"
(cd packages/cli && pnpm exec tsup --silent)
wif() { node "$root/packages/cli/dist/wif.js" "$@"; }

work="$(mktemp -d)"
emulator_log="$work/emulator.log"
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

bold "Starting wif emulator on a free port of 127.0.0.1"
# node itself in the background (not the wif function: that would be a subshell, and killing it
# would leave node running).
node "$root/packages/cli/dist/wif.js" emulator --port 0 >"$emulator_log" 2>&1 &
emulator_pid=$!
url=""
for _ in $(seq 1 150); do # up to 15 s
  url="$(sed -n 's/^export WIF_EMULATOR_URL=//p' "$emulator_log")"
  [ -n "$url" ] && break
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    cat "$emulator_log" >&2
    echo "wif emulator exited before it was ready" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  cat "$emulator_log" >&2
  echo "wif emulator printed no ready line in 15 s" >&2
  exit 1
fi
export WIF_EMULATOR_URL="$url"
sed -n '1,3p' "$emulator_log"

spec=examples/env-set.yaml
run() {
  echo
  bold "\$ wif $*"
  wif "$@"
}
run plan --config "$spec"
run apply --config "$spec" --yes
run verify --config "$spec" --exchange
run audit

echo
bold "Done in $((SECONDS - started)) s. What happened, all against the emulator at $url:"
cat <<EOF
  1. plan    read the organization and listed what apply would create for the 3 connections.
  2. apply   created per connection an Entra app + service principal, its role assignment, the
             azurerm connection (workload identity federation, manual), read its issuer and subject
             back, bound the federated credential to exactly those, and verified the chain.
  3. verify  requested each connection's pipeline OIDC token, exchanged it at the Entra token
             endpoint, and used the exchanged token at ARM: the trust chain works end to end.
  4. audit   scanned every connection of the organization; the findings are the demo's seeded
             secret-based and legacy-issuer connections (try: wif migrate start --connection
             sc-shared-deploy --project shared).
EOF
