#!/usr/bin/env bash
# Builds and packs every publishable package into dist-release/ (docs/install.md):
#   dist-release/wif-<package>-<version>.tgz   one npm tarball per package (`pnpm pack`: workspace:*
#                                              ranges become the exact versions being released)
#   dist-release/wif.mjs                       the whole CLI in one file: `node wif.mjs …` on Node >= 22,
#                                              no node_modules needed (decision 009)
#   dist-release/THIRD-PARTY-NOTICES.md       the licenses of the packages bundled into wif.mjs (also at its end)
#   dist-release/api/                          the TypeDoc API reference (not committed; built here and in CI)
#   dist-release/SHA256SUMS
# Publishing is a separate, deliberate step (docs/install.md): this script sends nothing anywhere.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/bootstrap.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
out="$root/dist-release"

pnpm exec turbo run build --output-logs=errors-only
rm -rf "$out"
mkdir -p "$out"

# Every package under packages/ that is not private is published.
for dir in packages/*/; do
  if node -e 'process.exit(require(process.argv[1]).private ? 1 : 0)' "$root/$dir/package.json"; then
    (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
  fi
done

# The single-file CLI, bundled from the sources with every dependency.
(cd packages/cli && pnpm exec tsup --config tsup.release.config.ts --silent)
chmod +x "$out/wif.mjs"

version="$(node -p 'require("./packages/cli/package.json").version')"
empty="$(mktemp -d)"
got="$(cd "$empty" && node "$out/wif.mjs" --version)"
rmdir "$empty"
if [ "$got" != "$version" ]; then
  echo "release: dist-release/wif.mjs --version says '$got', expected '$version'" >&2
  exit 1
fi
pnpm exec typedoc --logLevel Error --out "$out/api"
(cd "$out" && sha256sum -- *.tgz wif.mjs THIRD-PARTY-NOTICES.md >SHA256SUMS)
echo "dist-release/ (version $version):"
(cd "$out" && ls -l -- *.tgz wif.mjs THIRD-PARTY-NOTICES.md | awk '{ printf "  %-36s %9d bytes\n", $9, $5 }')
