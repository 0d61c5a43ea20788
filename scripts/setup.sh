#!/usr/bin/env bash
# Makes this checkout runnable on a machine that has only Node 20 and npm:
# installs Node 24 LTS and pnpm 12 from the npm registry into .tools/ (once; reused after),
# puts them first on PATH, and installs the workspace's dependencies.
# Source it (`. scripts/setup.sh`) to keep the PATH, or let scripts/test.sh and
# scripts/demo.sh call it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_RANGE="24"
PNPM_RANGE="12"

have_node() {
  local v
  v="$(node --version 2>/dev/null || true)"
  [[ "$v" =~ ^v(2[2-9]|[3-9][0-9])\. ]]
}

if [ -x "$TOOLS/node_modules/.bin/node" ]; then
  export PATH="$TOOLS/node_modules/.bin:$PATH"
fi
if ! have_node || ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing Node $NODE_RANGE and pnpm $PNPM_RANGE into .tools/ (npm registry)" >&2
  mkdir -p "$TOOLS"
  [ -f "$TOOLS/package.json" ] || echo '{"private":true}' >"$TOOLS/package.json"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error \
    "node@$NODE_RANGE" "pnpm@$PNPM_RANGE" >&2
  export PATH="$TOOLS/node_modules/.bin:$PATH"
fi
have_node || { echo "setup: Node >= 22 is required and could not be installed" >&2; exit 1; }

cd "$ROOT"
# A frozen lockfile in CI: a lockfile that disagrees with package.json is a failure, not a fix.
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile --reporter=append-only >&2
else
  pnpm install --prefer-offline --reporter=append-only >&2
fi
