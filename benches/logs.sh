#!/usr/bin/env bash
# Benchmark: `devctl logs --tail all SERVICE` vs `docker compose logs --no-color SERVICE`, both
# writing to /dev/null, on a service that logged LINES lines (default 1,000,000), on the real
# Engine. Prints the median wall time of RUNS runs each (alternating), the ratio
# devctl/compose (goal <= 1.0x) and the peak RSS of each (GNU time's max RSS, which includes
# the Compose plugin that the docker CLI starts), plus CPU time (user+sys, less sensitive to a
# busy machine) and, as the Engine's floor, the time `curl` takes to just download the same log.
#
# Usage: benches/logs.sh            (LINES=..., RUNS=..., DEVCTL=path/to/devctl to override)
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=${LINES:-1000000}
RUNS=${RUNS:-5}
DEVCTL=${DEVCTL:-target/release/devctl}
NAME="devctl-it-logs-bench-$$"

if [ ! -x "$DEVCTL" ]; then
  echo "building $DEVCTL (release)…" >&2
  cargo build --release --locked --bin devctl >&2
fi
[ -x /usr/bin/time ] || { echo "benches/logs.sh needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 1; }

dir=$(mktemp -d)
cleanup() {
  docker compose -p "$NAME" --project-directory "$dir" down -v -t 0 >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

cat >"$dir/compose.yaml" <<EOF
name: $NAME
services:
  app:
    image: devctl-test/busybox:latest
    pull_policy: never
    command:
      - sh
      - -c
      - |
        awk 'BEGIN { for (i = 1; i <= $LINES; i++) print "bench line " i " GET /api/v1/items?page=" i " 200 12ms user=alice" }'
        echo bench-done
        sleep 3600
EOF

dc() { docker compose -p "$NAME" --project-directory "$dir" "$@"; }

echo "starting a service that logs $LINES lines…" >&2
dc up -d --quiet-pull >/dev/null 2>&1
cid=$(dc ps -q app)
for _ in $(seq 1 600); do
  if docker logs --tail 1 "$cid" 2>/dev/null | grep -q bench-done; then break; fi
  sleep 0.5
done
docker logs --tail 1 "$cid" | grep -q bench-done || { echo "the service did not finish logging" >&2; exit 1; }

# Same output, line for line (sanity check before timing).
n_devctl=$(cd "$dir" && NO_COLOR=1 "$OLDPWD/$DEVCTL" logs --tail all app | wc -l)
n_compose=$(dc logs --no-color app | wc -l)
echo "lines: devctl $n_devctl, compose $n_compose" >&2
if [ "$n_devctl" != "$n_compose" ]; then
  echo "different line counts: devctl $n_devctl vs compose $n_compose" >&2
  exit 1
fi

root=$PWD
# measure CMD...: prints "wall_seconds rss_kib cpu_seconds"
measure() {
  local out
  out=$(mktemp)
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M %U %S' -o "$out" "$@" >/dev/null
  t1=$(date +%s.%N)
  read -r rss user sys <"$out"
  awk -v a="$t0" -v b="$t1" -v r="$rss" -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f %d %.2f\n", b - a, r, u + s }'
  rm -f "$out"
}

# The Engine's floor: only download the log (unix socket only).
curl_floor() {
  if [ -z "${DOCKER_HOST:-}" ] && command -v curl >/dev/null && [ -S /var/run/docker.sock ]; then
    measure curl -s --unix-socket /var/run/docker.sock \
      "http://engine/containers/$cid/logs?stdout=1&stderr=1"
  else
    echo "0 0 0"
  fi
}

declare -a T_D T_C T_E R_D R_C C_D C_C
for i in $(seq 1 "$RUNS"); do
  read -r t r c < <(cd "$dir" && NO_COLOR=1 measure "$root/$DEVCTL" logs --tail all app)
  T_D+=("$t"); R_D+=("$r"); C_D+=("$c")
  read -r t r c < <(measure docker compose -p "$NAME" --project-directory "$dir" logs --no-color app)
  T_C+=("$t"); R_C+=("$r"); C_C+=("$c")
  read -r t r c < <(curl_floor)
  T_E+=("$t")
  echo "run $i: devctl ${T_D[-1]}s ${R_D[-1]} KiB cpu ${C_D[-1]}s | compose ${T_C[-1]}s ${R_C[-1]} KiB cpu ${C_C[-1]}s | curl ${T_E[-1]}s" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }

td=$(median "${T_D[@]}"); tc=$(median "${T_C[@]}"); te=$(median "${T_E[@]}")
rd=$(max "${R_D[@]}"); rc=$(max "${R_C[@]}")
cd_=$(median "${C_D[@]}"); cc=$(median "${C_C[@]}")
ratio=$(awk -v a="$td" -v b="$tc" 'BEGIN { printf "%.2f", a / b }')
cratio=$(awk -v a="$cd_" -v b="$cc" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')

printf '\n%-40s %10s %10s %14s\n' "median of $RUNS, $LINES lines" "wall" "cpu" "peak RSS"
printf '%-40s %9.3fs %9.2fs %10d KiB\n' "devctl logs --tail all app" "$td" "$cd_" "$rd"
printf '%-40s %9.3fs %9.2fs %10d KiB\n' "docker compose logs --no-color app" "$tc" "$cc" "$rc"
printf '%-40s %9.3fs\n' "curl (Engine floor: download only)" "$te"
printf 'ratio devctl/compose: wall %sx (goal <= 1.0x), cpu %sx\n' "$ratio" "$cratio"
