#!/usr/bin/env bash
# Starts a throw-away Redis Cluster (3 masters + 3 replicas) on loopback for trying the demo or
# the stores by hand, prints its REDIS_CLUSTER setting, and stops it on Enter or Ctrl-C.
#   bash scripts/redis-cluster.sh            # then in another shell:
#   WORKERS=4 REDIS_CLUSTER=<printed nodes> pnpm demo
# The tests start their own clusters (test-utils/redis-cluster.ts); CI needs nothing from here.
set -euo pipefail
BASE="${REDIS_CLUSTER_PORT:-$(( 20000 + RANDOM % 25000 ))}"
DIR="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
NODES=()
for i in 0 1 2 3 4 5; do
  PORT=$((BASE + i))
  redis-server --port "$PORT" --bind 127.0.0.1 --cluster-enabled yes \
    --cluster-config-file "$DIR/nodes-$PORT.conf" --cluster-node-timeout 1000 \
    --cluster-require-full-coverage no --save '' --appendonly no --dir "$DIR" \
    --logfile "$DIR/$PORT.log" &
  PIDS+=("$!")
  NODES+=("127.0.0.1:$PORT")
done
for n in "${NODES[@]}"; do
  for _ in $(seq 1 50); do redis-cli -p "${n#*:}" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create "${NODES[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
for _ in $(seq 1 100); do
  redis-cli -p "$BASE" cluster info | grep -q 'cluster_state:ok' && break
  sleep 0.1
done
SPEC="$(IFS=,; echo "${NODES[*]}")"
echo "REDIS_CLUSTER=$SPEC"
if [ -t 0 ]; then read -r -p "Redis Cluster running; press Enter to stop. " _; else wait; fi
