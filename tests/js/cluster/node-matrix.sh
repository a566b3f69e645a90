#!/usr/bin/env bash
# Runs suite.js against three Node nodes (node.js, the official packages) in every configuration: the reference
# run, which must pass fully. Starts its own redis-server (standalone, and a 3-master Redis Cluster for the
# cluster-* configurations) on free ports, and stops everything it started.
#
#   bash tests/js/cluster/node-matrix.sh [CONFIG...]    (default: all; see CONFIGS below)
#
# Needs redis-server and redis-cli 7+ on PATH, and `npm ci` done in tests/js.

set -u

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_JS="$HERE/node.js"
SUITE_JS="$HERE/suite.js"

# name|redis (standalone or cluster)|node.js options
CONFIGS=(
  "classic-redis|standalone|--adapter classic --client redis"
  "classic-ioredis|standalone|--adapter classic --client ioredis"
  "classic-specific-response|standalone|--adapter classic --specific-response-channel"
  "sharded-dynamic|standalone|--adapter sharded --subscription-mode dynamic"
  "sharded-dynamic-private|standalone|--adapter sharded --subscription-mode dynamic-private"
  "sharded-static|standalone|--adapter sharded --subscription-mode static"
  "sharded-ioredis|standalone|--adapter sharded --client ioredis"
  "cluster-classic-redis|cluster|--adapter classic --client redis"
  "cluster-classic-ioredis|cluster|--adapter classic --client ioredis"
  "cluster-sharded-redis|cluster|--adapter sharded --client redis"
  "cluster-sharded-ioredis|cluster|--adapter sharded --client ioredis"
)

WORK="$(mktemp -d /tmp/sio-cluster-matrix.XXXXXX)"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_redis() { # port dir [extra args...]
  local port=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  (cd "$dir" && exec redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" "$@" \
    >"$dir/redis.log" 2>&1) &
  PIDS+=($!)
  for _ in $(seq 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis-server on port $port did not start" >&2
  return 1
}

STANDALONE_URL=""
start_standalone() {
  [ -n "$STANDALONE_URL" ] && return 0
  local port
  port=$(free_port)
  start_redis "$port" "$WORK/redis-$port" || return 1
  STANDALONE_URL="redis://127.0.0.1:$port"
}

CLUSTER_URL=""
start_cluster() {
  [ -n "$CLUSTER_URL" ] && return 0
  local ports=() port urls=() hosts=()
  for _ in 1 2 3; do ports+=("$(free_port)"); done
  for port in "${ports[@]}"; do
    start_redis "$port" "$WORK/cluster-$port" --cluster-enabled yes --cluster-config-file "nodes-$port.conf" || return 1
    urls+=("redis://127.0.0.1:$port")
    hosts+=("127.0.0.1:$port")
  done
  redis-cli --cluster create "${hosts[@]}" --cluster-replicas 0 --cluster-yes >"$WORK/cluster-create.log" 2>&1 || {
    cat "$WORK/cluster-create.log" >&2
    return 1
  }
  for _ in $(seq 100); do
    local ok=0
    for port in "${ports[@]}"; do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && ok=$((ok + 1))
    done
    if [ "$ok" -eq 3 ]; then
      CLUSTER_URL=$(IFS=,; echo "${urls[*]}")
      return 0
    fi
    sleep 0.1
  done
  echo "the Redis Cluster did not reach cluster_state:ok" >&2
  return 1
}

run_config() { # name redis-kind node-options
  local name=$1 kind=$2 opts=$3 redis
  if [ "$kind" = cluster ]; then
    start_cluster || return 1
    redis=$CLUSTER_URL
  else
    start_standalone || return 1
    redis=$STANDALONE_URL
  fi
  local node_pids=() urls=() i
  for i in 0 1 2; do
    # shellcheck disable=SC2086
    node "$NODE_JS" --port 0 --redis "$redis" --requests-timeout 1000 $opts \
      >"$WORK/$name.$i.out" 2>"$WORK/$name.$i.err" &
    node_pids+=($!)
    PIDS+=($!)
  done
  for i in 0 1 2; do
    for _ in $(seq 200); do
      grep -q '^listening on ' "$WORK/$name.$i.out" 2>/dev/null && break
      kill -0 "${node_pids[$i]}" 2>/dev/null || break
      sleep 0.1
    done
    local port
    port=$(awk '/^listening on /{print $3; exit}' "$WORK/$name.$i.out")
    if [ -z "$port" ]; then
      echo "node $i of $name did not start:" >&2
      cat "$WORK/$name.$i.err" >&2
      kill -TERM "${node_pids[@]}" 2>/dev/null
      return 1
    fi
    urls+=("http://127.0.0.1:$port")
  done
  local started=$SECONDS rc
  node "$SUITE_JS" "${urls[@]}" | sed "s/^/[$name] /"
  rc=${PIPESTATUS[0]}
  echo "[$name] took $((SECONDS - started)) s"
  kill -TERM "${node_pids[@]}" 2>/dev/null
  wait "${node_pids[@]}" 2>/dev/null
  for i in 0 1 2; do
    if [ -s "$WORK/$name.$i.err" ]; then
      echo "[$name] stderr of node $i:"
      sed "s/^/[$name]   /" "$WORK/$name.$i.err"
    fi
  done
  return "$rc"
}

selected=("$@")
passed=0
failed=0
failed_names=()
for entry in "${CONFIGS[@]}"; do
  IFS='|' read -r name kind opts <<<"$entry"
  if [ ${#selected[@]} -gt 0 ]; then
    match=0
    for s in "${selected[@]}"; do [ "$s" = "$name" ] && match=1; done
    [ $match -eq 1 ] || continue
  fi
  echo "=== $name: node.js $opts ($kind Redis)"
  if run_config "$name" "$kind" "$opts"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_names+=("$name")
  fi
done
[ $failed -gt 0 ] && echo "failed configurations: ${failed_names[*]}"
echo "node matrix: $passed passed, $failed failed"
[ $failed -eq 0 ]
