#!/usr/bin/env bash
# Benchmark: `devctl logs --tail all SERVICE` vs `docker compose logs --no-color SERVICE`, both
# writing to /dev/null, on a service that logged LINES lines (default 1,000,000), on the real
# Engine. Prints the median wall time of RUNS runs each (alternating), the ratio
# devctl/compose (goal <= 1.0x) and the peak RSS of each (GNU time's max RSS, which includes
# the Compose plugin that the docker CLI starts).
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
# run LABEL CMD...: prints "seconds rss_kb"
measure() {
  local out
  out=$(mktemp)
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$out" "$@" >/dev/null
  t1=$(date +%s.%N)
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(cat "$out")"
  rm -f "$out"
}

declare -a T_D T_C R_D R_C
for i in $(seq 1 "$RUNS"); do
  read -r t r < <(cd "$dir" && NO_COLOR=1 measure "$root/$DEVCTL" logs --tail all app)
  T_D+=("$t"); R_D+=("$r")
  read -r t r < <(measure docker compose -p "$NAME" --project-directory "$dir" logs --no-color app)
  T_C+=("$t"); R_C+=("$r")
  echo "run $i: devctl ${T_D[-1]}s ${R_D[-1]} KiB | compose ${T_C[-1]}s ${R_C[-1]} KiB" >&2
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }

td=$(median "${T_D[@]}"); tc=$(median "${T_C[@]}")
rd=$(max "${R_D[@]}"); rc=$(max "${R_C[@]}")
ratio=$(awk -v a="$td" -v b="$tc" 'BEGIN { printf "%.2f", a / b }')

printf '\n%-44s %12s %14s\n' "command ($LINES lines, median of $RUNS)" "wall time" "peak RSS"
printf '%-44s %11.3fs %10d KiB\n' "devctl logs --tail all app" "$td" "$rd"
printf '%-44s %11.3fs %10d KiB\n' "docker compose logs --no-color app" "$tc" "$rc"
printf 'ratio devctl/compose: %sx (goal <= 1.0x)\n' "$ratio"
