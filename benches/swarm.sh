#!/usr/bin/env bash
# `devctl --prod ps` on a Swarm stack vs what users run today to see the same facts:
# `docker stack ps STACK` + `docker service ls` (median wall time over N runs, and the ratio).
# Brings up its own 3-node test bed (scripts/swarm-testbed, root) and removes it on exit.
#
# Usage: sudo benches/swarm.sh [RUNS]   (default 20). DEVCTL=path uses that binary instead of a
# release build.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
bed=${BENCH_BED:-h13bench}
stack=devctl-it-h13-bench
work=$(mktemp -d)

cleanup() {
  scripts/swarm-testbed down "$bed" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DEVCTL:-}" ]; then
  cargo build --release --quiet
  DEVCTL=$PWD/target/release/devctl
fi

nodes=$(scripts/swarm-testbed up "$bed" 3)
manager=$(awk '$1 == "manager" {print $2}' <<<"$nodes")
mkdir -p "$work/docker"
cat >"$work/docker/docker-compose.yml" <<EOF2
services:
  web:
    image: devctl-test/busybox:latest
    command: ["sleep", "1000000"]
    healthcheck: {test: ["CMD", "true"], interval: 2s}
  api:
    image: devctl-test/busybox:latest
    command: ["sleep", "1000000"]
  worker:
    image: devctl-test/busybox:latest
    command: ["sleep", "1000000"]
EOF2
cat >"$work/docker/docker-compose.prod.yml" <<EOF2
services:
  web: {deploy: {replicas: 3, endpoint_mode: dnsrr}}
  api: {deploy: {replicas: 3, endpoint_mode: dnsrr}}
  worker: {deploy: {replicas: 2, endpoint_mode: dnsrr}}
EOF2
{
  printf 'environments:\n  prod:\n    target: swarm\n    context: %s\n    stack: %s\n    nodes:\n' "$manager" "$stack"
  awk '$1 == "node" {print "      " $2 ": " $3}' <<<"$nodes" | tail -n +2
} >"$work/devctl.yaml"
(cd "$work/docker" && "$DEVCTL" --prod deploy --wait >/dev/null 2>&1)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
cli() { DOCKER_HOST=$manager docker stack ps "$stack" >/dev/null && DOCKER_HOST=$manager docker service ls >/dev/null; }

d=$(for _ in $(seq "$runs"); do (cd "$work/docker" && ms "$DEVCTL" --prod ps); done | median)
c=$(for _ in $(seq "$runs"); do ms cli; done | median)
echo "devctl --prod ps: ${d} ms (median of $runs)"
echo "docker stack ps + docker service ls: ${c} ms (median of $runs)"
awk -v d="$d" -v c="$c" 'BEGIN {printf "ratio devctl/docker: %.2fx\n", d / c}'
