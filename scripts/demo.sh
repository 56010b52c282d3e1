#!/usr/bin/env bash
# The main job, on a fresh clone with only a system Node and npm: vend an environment set (dev, prod
# on a user-assigned managed identity, prod-readonly) against the local emulator, prove each trust
# chain by a real token exchange, and audit the organization. Nothing here reaches Azure; the same commands do, without --emulator.
#
#   bash scripts/demo.sh          # the demo; stops its emulator at the end
#   bash scripts/demo.sh --keep   # leaves the emulator running, to try the commands it suggests
#
# WIF_DEMO_SKIP_SETUP=1 skips bootstrap and build (the tests run the demo on an already built wif).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS
keep=false
for arg in "$@"; do
  case "$arg" in
  --keep) keep=true ;;
  *)
    echo "usage: bash scripts/demo.sh [--keep]" >&2
    exit 2
    ;;
  esac
done

bold() { if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
source scripts/lib/emulator.sh # wait_for_emulator

if [ -z "${WIF_DEMO_SKIP_SETUP:-}" ]; then
  source scripts/bootstrap.sh # Node 24 + pnpm into tools/bootstrap, then the workspace (frozen lockfile)
  export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
  bold "Building wif (packages/cli/dist/wif.cjs)"
  (cd packages/cli && pnpm exec tsup --silent)
else
  export PATH="$root/tools/bootstrap/node_modules/.bin:$PATH"
fi
wif() { node "$root/packages/cli/dist/wif.cjs" "$@"; }

work="$(mktemp -d)"
emulator_log="$work/emulator.log"
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ] && [ "$keep" != true ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

bold "Starting wif emulator on a free port of 127.0.0.1"
# node itself in the background (not the wif function: that would be a subshell, and killing it
# would leave node running).
node "$root/packages/cli/dist/wif.cjs" emulator --port 0 >"$emulator_log" 2>&1 &
emulator_pid=$!
url="$(wait_for_emulator "$emulator_pid" "$emulator_log" 30)" || exit 1
export WIF_EMULATOR_URL="$url"
head -n 3 "$emulator_log"

spec=examples/env-set.yaml
run() {
  echo
  bold "\$ wif $*"
  wif "$@"
}
run plan --config "$spec"
run apply --config "$spec" --yes
run plan --config "$spec" --exit-code # exit 3 (and the demo stops) if anything were still to change
run verify --config "$spec" --exchange
run audit
run adopt --project platform

echo
bold "Done in $((SECONDS - started)) s. What happened, all against the emulator at $url:"
cat <<EOF
  1. plan    read the organization and listed what apply would create for the 3 connections,
             with prod's approval and branch-control checks field by field and its security roles.
  2. apply   created for dev and prod-readonly an Entra app + service principal, and for prod a
             user-assigned managed identity (id-platform-prod, no app registration, no Graph call);
             per connection its role assignment, the azurerm connection (workload identity
             federation, manual), read its issuer and subject back, bound the federated credential
             (on the app, or on the identity) to exactly those, and verified the chain; on prod it
             added the two checks and the named security roles.
  3. plan    again: nothing left to change (--exit-code would have stopped the demo with 3).
  4. verify  requested each connection's pipeline OIDC token, exchanged it at the Entra token
             endpoint, and used the exchanged token at ARM: the trust chain works end to end.
  5. audit   scanned every connection of the organization; the findings are the demo's seeded
             secret-based and legacy-issuer connections, and sc-shared-deploy (Contributor on the
             whole subscription) flagged for having no approval and no branch control.
  6. adopt   wrote a spec for platform's connections as they are: dev and prod-readonly on the
             apps wif made, sc-platform-legacy (made by hand) adopting its app by appId, and said
             why it left out the rest (prod's managed identity, the secret-based connection).
EOF
echo
if [ "$keep" = true ]; then
  # The emulator outlives this script; so does a copy of its log.
  keep_log="${TMPDIR:-/tmp}/wif-demo-emulator-$emulator_pid.log"
  cp "$emulator_log" "$keep_log"
  bold "The emulator keeps running (pid $emulator_pid, log $keep_log). Try, from $root:"
  cat <<EOF
  export WIF_EMULATOR_URL=$url
  alias wif='node $root/packages/cli/dist/wif.cjs'
  wif migrate start --connection sc-shared-deploy --project shared
  wif migrate status
  kill $emulator_pid    # stops the emulator
EOF
else
  bold "The emulator is stopped. To try the migration of the seeded secret-based connection:"
  echo "  bash scripts/demo.sh --keep    # the same demo, then the emulator stays up and the commands are printed"
fi
