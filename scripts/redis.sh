#!/usr/bin/env bash
# Starts a throw-away redis-server on a free loopback port, exports REDIS_URL and stops the
# server when the calling shell exits. Sourced by scripts/test.sh and .ci/run.
REDIS_PORT="${REDIS_PORT:-$(( 20000 + RANDOM % 20000 ))}"
REDIS_DIR="$(mktemp -d)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$REDIS_DIR" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" \
  --logfile "$REDIS_DIR/redis.log" >/dev/null
for _ in $(seq 1 50); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$REDIS_PORT" ping >/dev/null || { echo "redis: did not start" >&2; cat "$REDIS_DIR/redis.log" >&2; exit 1; }
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export REDIS_SERVER_BIN="$(command -v redis-server)"
trap 'redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$REDIS_DIR"' EXIT
echo "redis: $REDIS_URL" >&2
