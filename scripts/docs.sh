#!/usr/bin/env bash
# Generates the TypeDoc API reference of the published packages into docs/api/ from their TSDoc.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/bootstrap.sh
pnpm exec typedoc --logLevel Warn
