#!/usr/bin/env bash
# Installs the pinned Node 24 and pnpm from the npm registry into tools/bootstrap (no corepack, no
# global install), then the workspace with the frozen lockfile. Safe to re-run. Source it to get PATH:
#   source scripts/bootstrap.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "$root/tools/bootstrap/node_modules/.bin/node" ] || [ ! -x "$root/tools/bootstrap/node_modules/.bin/pnpm" ]; then
  (cd "$root/tools/bootstrap" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$root/tools/bootstrap/node_modules/.bin:$PATH"
(cd "$root" && pnpm install --frozen-lockfile --reporter=silent)
