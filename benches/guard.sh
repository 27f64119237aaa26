#!/usr/bin/env bash
# The Engine guard's cost, side by side in one run:
#   1. `devctl up --wait` on the demo stack: this devctl (every Compose child behind the guard)
#      vs the devctl before the guard (BASE_REV, built into target/bench-base), ratio of medians
#      (goal <= 1.05);
#   2. `devctl logs --tail all` (read through bollard, not a child: the guard is not in its
#      path) before/after, and the proxy itself: `docker compose logs --tail all` direct vs
#      behind the guard (`devctl guard -- …`), LINES lines, ratio of medians (goal <= 1.05);
#   3. `exec` round-trip latency: one `docker exec -i` session, N lines echoed by `cat` in the
#      container, direct vs behind the guard (median microseconds per round trip).
#
# Usage: benches/guard.sh [ROUNDS]  (default 5; LINES=200000, TRIPS=500, BASE_REV=746f354,
# BASE_DEVCTL=path to skip building the old one). Project dvguard-bench, ports 18360-18361;
# removes everything it created on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
LINES=${LINES:-200000}
TRIPS=${TRIPS:-500}
BASE_REV=${BASE_REV:-746f354}
project=dvguard-bench
volume=$project-dbdata
work=$(mktemp -d)
export DEMO_API_PORT=18360 DEMO_DB_PORT=18361 DEMO_DB_VOLUME=$volume

cleanup() {
  docker compose -p "$project" down -v -t 0 --remove-orphans >/dev/null 2>&1 || true
  docker compose -p "$project-logs" -f "$work/logs.yaml" down -v -t 0 >/dev/null 2>&1 || true
  docker volume rm -f "$volume" >/dev/null 2>&1 || true
  if [ -n "${base_tree:-}" ]; then git worktree remove --force "$base_tree" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet --locked
new=$PWD/target/release/devctl
if [ -n "${BASE_DEVCTL:-}" ]; then
  base=$BASE_DEVCTL
else
  base_tree=$work/base
  git worktree add --quiet --detach "$base_tree" "$BASE_REV"
  (cd "$base_tree" && cargo build --release --quiet --locked --target-dir "$OLDPWD/target/bench-base")
  base=$PWD/target/bench-base/release/devctl
fi

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b - a}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }

# 1. up --wait on the demo stack (dev layer), before vs after.
XDG_DATA_HOME=$work/data "$new" demo path >/dev/null
cp -r "$work/data/devctl/demo/." "$work/stack"
docker volume create "$volume" >/dev/null
down() { (cd "$work/stack" && docker compose -p "$project" -f docker-compose.yml -f docker-compose.dev.yml down -t 0 >/dev/null 2>&1); }
up_with() {
  local t0; t0=$(now)
  (cd "$work/stack" && "$1" -p "$project" --dev up --wait >/dev/null 2>"$work/up.err") \
    || { cat "$work/up.err" >&2; exit 1; }
  secs "$t0" "$(now)"; down
}
down
a=(); b=()
for i in $(seq 1 "$rounds"); do
  if [ $((i % 2)) = 1 ]; then x=$(up_with "$new"); y=$(up_with "$base"); else y=$(up_with "$base"); x=$(up_with "$new"); fi
  a+=("$x"); b+=("$y")
  printf 'up --wait round %d: with guard %6.2fs   before %6.2fs\n' "$i" "$x" "$y"
done
am=$(median "${a[@]}"); bm=$(median "${b[@]}")
printf 'up --wait median: with guard %.2fs, before %.2fs, ratio %s (goal <= 1.05)\n' "$am" "$bm" "$(ratio "$am" "$bm")"

# 2. logs --tail all.
cat >"$work/logs.yaml" <<YAML
name: $project-logs
services:
  app:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["sh", "-c", "seq 1 $LINES | sed 's/^/log line number /'; exec sleep 3600"]
YAML
dc=(docker compose -p "$project-logs" -f "$work/logs.yaml")
"${dc[@]}" up -d >/dev/null 2>&1
until [ "$("${dc[@]}" logs --no-log-prefix app 2>/dev/null | tail -n 1)" = "log line number $LINES" ]; do sleep 0.5; done
timed() { local t0; t0=$(now); "$@" >/dev/null 2>&1; secs "$t0" "$(now)"; }
a=(); b=(); c=(); d=()
for i in $(seq 1 "$rounds"); do
  a+=("$(cd "$work" && timed "$new" -f logs.yaml logs --tail all app)")
  b+=("$(cd "$work" && timed "$base" -f logs.yaml logs --tail all app)")
  c+=("$(timed "$new" guard -- "${dc[@]}" logs --tail all --no-color app)")
  d+=("$(timed "${dc[@]}" logs --tail all --no-color app)")
done
am=$(median "${a[@]}"); bm=$(median "${b[@]}"); cm=$(median "${c[@]}"); dm=$(median "${d[@]}")
printf 'devctl logs --tail all (%d lines) median: after %.3fs, before %.3fs, ratio %s (goal <= 1.05)\n' "$LINES" "$am" "$bm" "$(ratio "$am" "$bm")"
printf 'docker compose logs --tail all median: behind the guard %.3fs, direct %.3fs, ratio %s (goal <= 1.05)\n' "$cm" "$dm" "$(ratio "$cm" "$dm")"

# 3. exec round trips: one session, TRIPS lines through `cat` in the container.
cid=$("${dc[@]}" ps -q app)
cat >"$work/trip.py" <<'PY'
import subprocess, sys, time
cid, n = sys.argv[1], int(sys.argv[2])
p = subprocess.Popen(["docker", "exec", "-i", cid, "cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
lat = []
for i in range(n):
    t = time.perf_counter()
    p.stdin.write(b"ping %d\n" % i); p.stdin.flush()
    p.stdout.readline()
    lat.append(time.perf_counter() - t)
p.stdin.close(); p.wait()
lat.sort()
print("%.1f" % (lat[len(lat) // 2] * 1e6))
PY
direct=$(python3 "$work/trip.py" "$cid" "$TRIPS")
guarded=$("$new" guard -- python3 "$work/trip.py" "$cid" "$TRIPS" 2>/dev/null)
printf 'exec round trip (median of %d): behind the guard %s us, direct %s us, ratio %s\n' "$TRIPS" "$guarded" "$direct" "$(ratio "$guarded" "$direct")"
