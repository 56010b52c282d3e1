#!/usr/bin/env bash
# The consumer smoke test (run by scripts/test.sh, after scripts/release.sh): what a user of the
# released artifacts gets, from dist-release/ only, in a temporary directory outside the workspace,
# with plain npm (no pnpm, no workspace links). It checks that
#   1. the tarballs install with `npm install` (third-party dependencies come from the registry,
#      every @wif/* package from its tarball); the installed @wif/cli and dist-release/ carry
#      THIRD-PARTY-NOTICES.md, and dist-release/wif.mjs ends with it;
#   2. `import('@wif/core')` from ESM and `require('@wif/core')` from CommonJS both run a step
#      against the emulator (started with the installed `wif`);
#   3. `npx wif --version` prints the released version; the same packages install from a feed named
#      in .npmrc (a stand-in for Azure Artifacts on 127.0.0.1: scripts/smoke-feed.mjs);
#   4. dist-release/wif.mjs copied alone into an empty directory runs `emulator`, `plan`,
#      `apply --yes` and `verify --exchange` (docs/install.md), and refuses Node < 22 with exit 2.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/dist-release"
export PATH="$root/tools/bootstrap/node_modules/.bin:$PATH" # Node 24; npm is the system's
version="$(node -p "require('$root/packages/cli/package.json').version")"
shopt -s nullglob
tarballs=("$out"/wif-*-"$version".tgz)
shopt -u nullglob
if [ "${#tarballs[@]}" -eq 0 ] || [ ! -f "$out/wif.mjs" ]; then
  echo "smoke: no release in dist-release/: run bash scripts/release.sh first" >&2
  exit 1
fi

# In memory when the machine has /dev/shm: two node_modules trees are written and removed, which
# on a busy disk takes longer than the test itself.
tmp_base="${TMPDIR:-/tmp}"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then tmp_base=/dev/shm; fi
work="$(mktemp -d "$tmp_base/wif-smoke.XXXXXX")"
case "$work" in "$root"/*)
  echo "smoke: $work is inside the workspace" >&2
  exit 1
  ;;
esac
pids=()
cleanup() {
  local t=$SECONDS
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  echo "smoke: cleaned up in $((SECONDS - t))s"
}
trap cleanup EXIT
# Nothing above the temporary directory may lend it packages.
d="$work"
while [ "$d" != / ]; do
  d="$(dirname "$d")"
  if [ -e "$d/node_modules" ]; then
    echo "smoke: $d/node_modules would leak into the consumer" >&2
    exit 1
  fi
done
unset NODE_PATH
env_clean=(env -u NODE_OPTIONS -u npm_config_workspace -u npm_config_prefix)

started=$SECONDS
step() { printf '\n== smoke (%ss): %s\n' "$((SECONDS - started))" "$*"; }
fail() {
  echo "smoke: $*" >&2
  exit 1
}

# Starts `$@ emulator --port 0` in the background; sets $emulator_url.
start_emulator() {
  local log="$1"
  shift
  "$@" emulator --port 0 >"$log" 2>&1 &
  pids+=($!)
  local pid=$!
  emulator_url=""
  for _ in $(seq 1 300); do # up to 30 s
    emulator_url="$(sed -n 's/^export WIF_EMULATOR_URL=//p' "$log")"
    [ -n "$emulator_url" ] && return 0
    kill -0 "$pid" 2>/dev/null || {
      cat "$log" >&2
      fail "the emulator exited before it was ready"
    }
    sleep 0.1
  done
  cat "$log" >&2
  fail "the emulator printed no ready line in 30 s"
}

# --- 1. npm install from the tarballs --------------------------------------------------------
step "npm install ${tarballs[*]##*/}"
consumer="$work/consumer"
mkdir -p "$consumer"
cd "$consumer"
printf '{ "name": "wif-smoke-consumer", "version": "1.0.0", "private": true }\n' >package.json
"${env_clean[@]}" npm install --no-audit --no-fund --prefer-offline --loglevel=error "${tarballs[@]}"
# Every @wif/* package must come from a tarball, never from a registry.
node -e '
  const lock = require("./package-lock.json");
  const bad = Object.entries(lock.packages).filter(([p, v]) => /node_modules\/@wif\//.test(p) && !String(v.resolved ?? "").startsWith("file:"));
  if (bad.length) { console.error("not from a tarball:", bad.map(([p, v]) => `${p} ${v.resolved}`).join(", ")); process.exit(1); }
  const wif = Object.keys(lock.packages).filter((p) => /^node_modules\/@wif\/[^/]+$/.test(p));
  console.log(`${wif.length} @wif packages, each from its tarball`);
'

# The executable bundles third-party code: its licenses ship beside it (packages/cli/tsup.notices.ts).
step "the licenses of what the executables bundle"
grep -q '^## zod ' node_modules/@wif/cli/dist/THIRD-PARTY-NOTICES.md || fail "@wif/cli has no dist/THIRD-PARTY-NOTICES.md naming zod"
grep -q '^## @azure/msal-node ' "$out/THIRD-PARTY-NOTICES.md" || fail "dist-release/THIRD-PARTY-NOTICES.md does not name MSAL"
tail -c 200 "$out/wif.mjs" | grep -q '^\*/$' || fail "dist-release/wif.mjs does not end with the notices comment"
echo "node_modules/@wif/cli/dist/THIRD-PARTY-NOTICES.md, dist-release/THIRD-PARTY-NOTICES.md and the end of wif.mjs"

# --- 2. ESM import and CommonJS require of @wif/core, each running a step --------------------
step "npx wif --version"
got="$("${env_clean[@]}" npx --no-install wif --version)"
[ "$got" = "$version" ] || fail "npx wif --version printed '$got', expected '$version'"
echo "$got"

step "ESM import and CommonJS require of @wif/core against the emulator"
start_emulator "$work/emulator-npm.log" ./node_modules/.bin/wif
export WIF_EMULATOR_URL="$emulator_url"
cat >esm.mjs <<'JS'
const core = await import('@wif/core');
const { createTestCredential } = await import('@wif/testing');
const base = process.env.WIF_EMULATOR_URL;
const clients = core.createClients({
  credential: createTestCredential(),
  organization: 'contoso',
  endpoints: { graph: `${base}/graph/v1.0`, arm: `${base}/arm`, devops: `${base}/devops`, authority: `${base}/entra` },
});
const r = await core.registerApp({ graph: clients.graph }, { displayName: 'wif-smoke-consumer' });
if (r.isErr()) throw new Error(`registerApp: ${r.error.kind}: ${r.error.message}`);
if (r.value.outcome !== 'created') throw new Error(`expected created, got ${r.value.outcome}`);
console.log(`esm: registerApp ${r.value.outcome} appId=${r.value.value.appId}`);
JS
cat >cjs.cjs <<'JS'
const core = require('@wif/core');
const { createTestCredential } = require('@wif/testing');
const base = process.env.WIF_EMULATOR_URL;
const clients = core.createClients({
  credential: createTestCredential(),
  organization: 'contoso',
  endpoints: { graph: `${base}/graph/v1.0`, arm: `${base}/arm`, devops: `${base}/devops`, authority: `${base}/entra` },
});
// The same app again: the step finds it and changes nothing.
core.registerApp({ graph: clients.graph }, { displayName: 'wif-smoke-consumer' }).then((r) => {
  if (r.isErr()) throw new Error(`registerApp: ${r.error.kind}: ${r.error.message}`);
  if (r.value.outcome !== 'unchanged') throw new Error(`expected unchanged, got ${r.value.outcome}`);
  console.log(`cjs: registerApp ${r.value.outcome} appId=${r.value.value.appId}`);
});
JS
"${env_clean[@]}" node esm.mjs
"${env_clean[@]}" node cjs.cjs
unset WIF_EMULATOR_URL

# --- 2b. the same packages from a feed: .npmrc with the @wif scope, then npm install ------------
step "npm install @wif/core @wif/cli from a feed named in .npmrc (docs/install.md)"
node "$root/scripts/smoke-feed.mjs" "$out" >"$work/feed.log" 2>&1 &
pids+=($!)
feed=""
for _ in $(seq 1 100); do
  feed="$(sed -n 's/^feed //p' "$work/feed.log")"
  [ -n "$feed" ] && break
  sleep 0.1
done
[ -n "$feed" ] || fail "the feed did not start: $(cat "$work/feed.log")"
fed="$work/from-feed"
mkdir -p "$fed"
cd "$fed"
printf '{ "name": "wif-feed-consumer", "version": "1.0.0", "private": true, "type": "module" }\n' >package.json
printf '@wif:registry=%s\n' "$feed" >.npmrc
"${env_clean[@]}" npm install --no-audit --no-fund --prefer-offline --loglevel=error "@wif/core@$version" "@wif/cli@$version"
# Every @wif package the two depend on was resolved through the feed (it logs what it serves; a
# tarball npm already holds with the same integrity comes from npm's cache).
node -e '
  const fs = require("fs");
  const [log, version, expected] = process.argv.slice(1);
  const served = fs.readFileSync(log, "utf8");
  const names = fs.readdirSync("node_modules/@wif").map((n) => `@wif/${n}`);
  const bad = names.filter((n) => !served.includes(`served packument ${n}\n`) || require(`./node_modules/${n}/package.json`).version !== version);
  if (bad.length || names.length !== Number(expected)) { console.error(`not from the feed at ${version}: ${bad.join(", ")} (${names.length} of ${expected})`); process.exit(1); }
' "$work/feed.log" "$version" "${#tarballs[@]}"
echo "${#tarballs[@]} @wif packages from the feed"
got="$("${env_clean[@]}" npx --no-install wif --version)"
[ "$got" = "$version" ] || fail "npx wif --version (feed) printed '$got', expected '$version'"
printf "import { diagnoseText } from '@wif/core/diagnose';\nconsole.log(diagnoseText('AADSTS700213: No matching federated identity record found for presented assertion subject x')[0].cause);\n" >use.js
[ "$("${env_clean[@]}" node use.js)" = "SubjectMismatch" ] || fail "@wif/core from the feed does not run"
echo "npx wif --version: $got; import { diagnoseText } from '@wif/core/diagnose': ok"

# --- 3. wif.mjs alone in an empty directory --------------------------------------------------
step "wif.mjs alone: emulator, plan, apply --yes, verify --exchange"
solo="$work/solo"
mkdir -p "$solo"
cp "$out/wif.mjs" "$solo/"
cd "$solo"
[ "$(ls -A)" = "wif.mjs" ] || fail "the directory holds more than wif.mjs"
start_emulator "$work/emulator-solo.log" node wif.mjs
# The spec the user writes (here: the example environment set).
cp "$root/examples/env-set.yaml" "$work/wif.yaml"
solo_wif() { "${env_clean[@]}" WIF_EMULATOR_URL="$emulator_url" NO_COLOR=1 node wif.mjs "$@"; }
solo_wif plan --config "$work/wif.yaml"
solo_wif apply --config "$work/wif.yaml" --yes
solo_wif verify --config "$work/wif.yaml" --exchange
[ "$(ls -A)" = "wif.mjs" ] || fail "wif.mjs left files behind: $(ls -A | tr '\n' ' ')"

step "wif.mjs alone signs in with @azure/identity (bundled): AzurePipelinesCredential, refused before anything is sent"
# The job's variables point the OIDC request at a closed port of 127.0.0.1: @azure/identity refuses
# the plain-http URL itself, so nothing leaves the machine, and the error shows the library ran.
set +e
msg="$("${env_clean[@]}" NO_COLOR=1 AZURESUBSCRIPTION_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47 \
  AZURESUBSCRIPTION_CLIENT_ID=00000000-0000-0000-0000-000000000001 AZURESUBSCRIPTION_SERVICE_CONNECTION_ID=00000000-0000-0000-0000-000000000002 \
  SYSTEM_OIDCREQUESTURI=http://127.0.0.1:9/oidc SYSTEM_ACCESSTOKEN=not-a-token \
  node wif.mjs plan --config "$work/wif.yaml" --devops-auth entra --verbose 2>&1)"
code=$?
set -e
[ "$code" -eq 1 ] || fail "exit $code, expected 1: $msg"
grep -q 'auth: AzurePipelinesCredential' <<<"$msg" || fail "no AzurePipelinesCredential: $msg"
# The credential's failure reaches the user as the run-wide sign-in message (the library's own
# AuthenticationRequiredError, translated): either proves the bundled @azure/identity ran.
grep -qE 'AuthenticationRequiredError|not signed in to Azure' <<<"$msg" || fail "no error from @azure/identity: $msg"
grep -m1 -E 'AuthenticationRequiredError|not signed in to Azure' <<<"$msg"

step "wif.mjs on the system's Node 20 refuses at once"
if [ -x /usr/bin/node ] && [ "$(/usr/bin/node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  set +e
  msg="$(/usr/bin/node wif.mjs plan --config "$work/wif.yaml" 2>&1)"
  code=$?
  set -e
  [ "$code" -eq 2 ] || fail "Node $(/usr/bin/node --version): exit $code, expected 2 ($msg)"
  [[ "$msg" == "wif needs Node.js 22 or newer (found "* ]] || fail "Node $(/usr/bin/node --version) printed: $msg"
  echo "$msg"
else
  echo "(no Node older than 22 at /usr/bin/node: skipped)"
fi

step "passed"
