#!/usr/bin/env bash
# Time from start to "all healthy": `devctl up --wait` vs `docker compose up --wait` on the same
# stack (the bundled demo: 5 services, health checks, depends_on service_healthy), side by side,
# with `down` in between. Prints each round and the ratio of the medians (goal: <= 1.0).
#
# Usage: benches/up_wait.sh [ROUNDS]   (default 5). Uses project devctl-it-compose-bench and
# host ports 18350-18351; removes everything it created on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
project=devctl-it-compose-bench
volume=$project-dbdata
work=$(mktemp -d)
export DEMO_API_PORT=18350 DEMO_DB_PORT=18351 DEMO_DB_VOLUME=$volume

cleanup() {
  docker compose -p "$project" down -v -t 0 --remove-orphans >/dev/null 2>&1 || true
  docker volume rm -f "$volume" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet
devctl=$PWD/target/release/devctl
XDG_DATA_HOME=$work/data "$devctl" demo path >/dev/null
cp -r "$work/data/devctl/demo/." "$work/stack"
cd "$work/stack"
docker volume create "$volume" >/dev/null
files=(-f docker-compose.yml -f docker-compose.dev.yml)

down() { docker compose -p "$project" "${files[@]}" down -t 0 >/dev/null 2>&1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b - a}'; }

d_times=(); c_times=()
down
run_devctl() {
  local t0; t0=$(now)
  "$devctl" -p "$project" --dev up --wait >/dev/null 2>"$work/devctl.err" \
    || { cat "$work/devctl.err" >&2; exit 1; }
  d=$(secs "$t0" "$(now)"); down
}
run_compose() {
  local t0; t0=$(now)
  docker compose -p "$project" "${files[@]}" up -d --wait >/dev/null 2>"$work/compose.err" \
    || { cat "$work/compose.err" >&2; exit 1; }
  c=$(secs "$t0" "$(now)"); down
}
for i in $(seq 1 "$rounds"); do
  # Alternate who goes first, so neither always meets a just-cleaned Engine.
  if [ $((i % 2)) = 1 ]; then run_devctl; run_compose; else run_compose; run_devctl; fi
  d_times+=("$d"); c_times+=("$c")
  printf 'round %d: devctl up --wait %6.2fs   docker compose up --wait %6.2fs\n' "$i" "$d" "$c"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
dm=$(median "${d_times[@]}"); cm=$(median "${c_times[@]}")
printf 'median: devctl %.2fs, docker compose %.2fs, ratio devctl/compose = %.2f (goal <= 1.0)\n' \
  "$dm" "$cm" "$(awk -v a="$dm" -v b="$cm" 'BEGIN {print a / b}')"
