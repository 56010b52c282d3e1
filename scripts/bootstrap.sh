#!/usr/bin/env bash
# Installs the pinned Node 24 and pnpm from the npm registry into tools/bootstrap (no corepack, no
# global install), then the workspace with the frozen lockfile. Safe to re-run. Source it to get PATH:
#   source scripts/bootstrap.sh
# Sourced, it changes nothing in your shell but PATH: the work runs in a subshell with its own
# `set -euo pipefail`, so your shell's options stay as they were (bash scripts/test-bootstrap.sh).
_wif_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if (
  set -euo pipefail
  root="$_wif_root"
  if [ ! -x "$root/tools/bootstrap/node_modules/.bin/node" ] || [ ! -x "$root/tools/bootstrap/node_modules/.bin/pnpm" ]; then
    (cd "$root/tools/bootstrap" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  export PATH="$root/tools/bootstrap/node_modules/.bin:$PATH"
  cd "$root" && pnpm install --frozen-lockfile --reporter=silent
); then
  case ":$PATH:" in
    *":$_wif_root/tools/bootstrap/node_modules/.bin:"*) ;;
    *) export PATH="$_wif_root/tools/bootstrap/node_modules/.bin:$PATH" ;;
  esac
  unset _wif_root
else
  _wif_status=$?
  echo "bootstrap failed (exit $_wif_status)" >&2
  unset _wif_root
  # `return` when sourced; `exit` when run as a script.
  return "$_wif_status" 2>/dev/null || exit "$_wif_status"
fi
