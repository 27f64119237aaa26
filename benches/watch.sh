#!/usr/bin/env bash
# File saved → change visible in the container, `devctl watch` vs `docker compose watch`:
# a service with a `sync` rule (app → /srv/app), ROUNDS edits each, the time from writing the
# file to `cat` in the container showing the new content (polled with `docker exec`, the same
# poll for both), median of each and the ratio devctl / compose (goal ≤ 1.0: no slower).
# Also `docker compose --verbose watch` (devctl's own Compose line, without devctl and its
# Engine guard), to tell where a difference comes from.
#
# Usage: benches/watch.sh [ROUNDS]  (default 15; DEVCTL=path to the binary, default the debug
# build, built if missing). Project devctl-bench-watch; removes everything it created on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
project=devctl-bench-watch
work=$(mktemp -d)
watcher=""

cleanup() {
  if [ -n "$watcher" ]; then kill -INT "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true; fi
  (cd "$work" && docker compose down -t 0 --rmi local >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DEVCTL:-}" ]; then
  cargo build --quiet --locked
  DEVCTL=$PWD/target/debug/devctl
fi

mkdir -p "$work/app"
echo start > "$work/app/f.txt"
printf 'FROM devctl-test/busybox:latest\nCMD ["sleep", "100000"]\n' > "$work/Dockerfile"
cat > "$work/compose.yaml" <<YAML
name: $project
services:
  api:
    build: .
    image: $project-api
    init: true
    develop:
      watch:
        - action: sync
          path: ./app
          target: /srv/app
YAML
(cd "$work" && docker compose up -d --build --quiet-pull >/dev/null 2>&1)
container=$(cd "$work" && docker compose ps -q api)

now() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# One edit: write, then poll the container until it shows the content (ms).
edit() {
  local want="v$1-$RANDOM" t0 t1
  t0=$(now)
  echo "$want" > "$work/app/f.txt"
  until [ "$(docker exec "$container" cat /srv/app/f.txt 2>/dev/null)" = "$want" ]; do :; done
  t1=$(now)
  echo $(( (t1 - t0) / 1000000 ))
}

# run NAME READY-PATTERN COMMAND…: start the watcher, wait until ready, ROUNDS edits.
run() {
  local name=$1 ready=$2; shift 2
  (cd "$work" && exec "$@" >"$work/$name.out" 2>&1) &
  watcher=$!
  for _ in $(seq 1 300); do grep -q "$ready" "$work/$name.out" && break; sleep 0.1; done
  grep -q "$ready" "$work/$name.out" || { echo "$name never got ready:" >&2; cat "$work/$name.out" >&2; exit 1; }
  sleep 1
  local times=()
  for i in $(seq 1 "$rounds"); do times+=("$(edit "$i")"); sleep 0.3; done
  kill -INT "$watcher"; wait "$watcher" 2>/dev/null || true; watcher=""
  sleep 1
  median "${times[@]}"
}

compose_ms=$(run compose "Watch enabled" docker compose watch --no-up)
verbose_ms=$(run verbose "Watch enabled" docker compose --verbose watch --no-up)
devctl_ms=$(run devctl "watching for changes" "$DEVCTL" watch --no-up)
echo "file saved → visible in the container, median of $rounds edits (docker exec poll included):"
echo "  docker compose watch: ${compose_ms} ms"
echo "  docker compose --verbose watch (what devctl runs, without the guard): ${verbose_ms} ms"
echo "  devctl watch:         ${devctl_ms} ms   (event lines: $(grep -c '^\[watch\] api: sync' "$work/devctl.out"))"
echo "  ratio devctl/compose: $(ratio "$devctl_ms" "$compose_ms") (goal ≤ 1.0)"
