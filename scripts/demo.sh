#!/usr/bin/env bash
# Runs the demo API (Fastify flavour by default) on its embedded in-memory defaults.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/setup.sh"
cd "$ROOT"
pnpm build >&2
exec pnpm --silent demo
