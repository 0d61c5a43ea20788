#!/usr/bin/env bash
# The whole test suite on a fresh machine: toolchain + dependencies (scripts/setup.sh),
# a Redis on loopback when redis-server is installed and REDIS_URL is not set, then
# build, lint, typecheck and `pnpm test`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/setup.sh"
cd "$ROOT"

if [ -z "${REDIS_URL:-}" ] && command -v redis-server >/dev/null 2>&1; then
  . "$ROOT/scripts/redis.sh"
fi
if [ -z "${REDIS_URL:-}" ]; then
  echo "test: REDIS_URL is unset and redis-server is not installed: Redis tests will be skipped" >&2
fi


pnpm lint
pnpm typecheck
pnpm test
