#!/usr/bin/env bash
# Benchmark: the loader's cost against input size (issue 17), next to Compose.
# Generated inputs (written to a temp folder, never committed):
#   - one service with 1k / 10k / 100k environment keys;
#   - 200 / 2,000 services (image, environment, a port, depends_on the previous one);
#   - a 2,000-service `extends` chain (each service extends the previous one).
# Prints, per input, devctl's and Compose's wall time (`config --json` /
# `config --format json`), the time per key or service, the ratio of time per unit to the
# previous size (linear growth: ≈ 1), and the peak RSS of both (GNU time's %M).
#
# Usage: benches/loader.sh [--no-compose]
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE=1
[ "${1:-}" = "--no-compose" ] && COMPOSE=0

cargo build --release --quiet --bin devctl
DEVCTL="$PWD/target/release/devctl"
if [ "$COMPOSE" = 1 ] && ! docker compose version >/dev/null 2>&1; then
  echo "docker compose is not available (run scripts/provision, or pass --no-compose)" >&2
  exit 7
fi
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "GNU time (/usr/bin/time) is needed for peak RSS" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen_keys() { # DIR N
  mkdir -p "$1"
  awk -v n="$2" 'BEGIN { print "services:\n  a:\n    image: alpine\n    environment:";
    for (i = 0; i < n; i++) printf "      KEY_%d: value-%d\n", i, i }' > "$1/compose.yaml"
}
gen_services() { # DIR N
  mkdir -p "$1"
  awk -v n="$2" 'BEGIN { print "services:";
    for (i = 0; i < n; i++) {
      printf "  s%d:\n    image: alpine\n    environment: {A: \"1\"}\n    ports: [\"%d:80\"]\n", i, 10000 + i;
      if (i > 0) printf "    depends_on: [s%d]\n", i - 1 } }' > "$1/compose.yaml"
}
gen_chain() { # DIR N
  mkdir -p "$1"
  awk -v n="$2" 'BEGIN { print "services:\n  s0:\n    image: alpine\n    environment: {LAYER: \"0\"}";
    for (i = 1; i < n; i++) printf "  s%d:\n    extends: s%d\n    environment: {LAYER: \"%d\"}\n", i, i - 1, i }' > "$1/compose.yaml"
}

# measure DIR CMD... → "seconds kB"
measure() {
  local dir=$1; shift
  (cd "$dir" && "$TIME" -f "%e %M" -o "$tmp/time.out" "$@" >/dev/null 2>"$tmp/err.out") \
    || { echo "failed in $dir: $*" >&2; cat "$tmp/err.out" >&2; exit 1; }
  cat "$tmp/time.out"
}

printf '%-22s %10s %12s %8s %9s %10s %12s %9s\n' input devctl_s per_unit_us ratio devctl_MB compose_s per_unit_us compose_MB
row() { # LABEL DIR UNITS PREV_PER_UNIT
  local label=$1 dir=$2 units=$3 prev=$4
  read -r ds dk < <(measure "$dir" "$DEVCTL" config --json)
  local dper ratio
  dper=$(awk -v t="$ds" -v n="$units" 'BEGIN { printf "%.2f", t * 1e6 / n }')
  ratio=$(awk -v a="$dper" -v b="$prev" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  local cs="-" cper="-" ck="-"
  if [ "$COMPOSE" = 1 ]; then
    read -r cs ck < <(measure "$dir" docker compose config --format json)
    cper=$(awk -v t="$cs" -v n="$units" 'BEGIN { printf "%.2f", t * 1e6 / n }')
    ck=$((ck / 1024))
  fi
  printf '%-22s %10s %12s %8s %9s %10s %12s %9s\n' "$label" "$ds" "$dper" "$ratio" "$((dk / 1024))" "$cs" "$cper" "$ck"
  LAST=$dper
}

LAST=0
for n in 1000 10000 100000; do gen_keys "$tmp/k$n" "$n"; row "keys $n" "$tmp/k$n" "$n" "$LAST"; done
LAST=0
for n in 200 2000; do gen_services "$tmp/s$n" "$n"; row "services $n" "$tmp/s$n" "$n" "$LAST"; done
LAST=0
for n in 200 2000; do gen_chain "$tmp/c$n" "$n"; row "extends chain $n" "$tmp/c$n" "$n" "$LAST"; done
echo "ratio: time per unit divided by the previous size's (1.00 = linear)."
echo "Note: wall times at small sizes are dominated by process start-up (devctl ~5 ms, Compose ~0.3 s)."
