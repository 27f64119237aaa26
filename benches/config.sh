#!/usr/bin/env bash
# Benchmark: wall time of `devctl config --json` vs `docker compose config --format json`,
# measured side by side (alternating runs) on
#   1. a seed stack, base + dev (tests/fixtures/seeds/seed-004-antone, `--dev`);
#   2. a generated 200-service project (base + override, written to a temp folder).
# Prints the mean per run and the ratio devctl / Compose. Goal: <= 0.1.
#
# Usage: benches/config.sh [RUNS]   (default 20 runs of each tool per case)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-${RUNS:-20}}

cargo build --release --quiet --bin devctl
DEVCTL="$PWD/target/release/devctl"
if ! docker compose version >/dev/null 2>&1; then
  echo "docker compose is not available (run scripts/provision)" >&2
  exit 7
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the generated 200-service project -------------------------------------------------
big="$tmp/big"
mkdir -p "$big"
{
  echo "name: bench200"
  echo "x-common: &common"
  echo "  restart: unless-stopped"
  echo "  logging: {driver: json-file, options: {max-size: 10m}}"
  echo "services:"
  for i in $(seq 1 200); do
    echo "  svc$i:"
    echo "    <<: *common"
    echo "    image: \"registry.example/svc$i:\${TAG:-1.0}\""
    echo "    command: [\"serve\", \"--port\", \"$((8000 + i))\"]"
    echo "    ports: [\"$((20000 + i)):$((8000 + i))\"]"
    echo "    environment:"
    echo "      SERVICE_NAME: svc$i"
    echo "      DATABASE_URL: postgres://app:secret@db:5432/svc$i"
    echo "      LOG_LEVEL: \${LOG_LEVEL:-info}"
    echo "    volumes:"
    echo "      - data$((i % 20)):/var/lib/svc"
    echo "      - ./config/svc$i:/etc/svc:ro"
    echo "    healthcheck:"
    echo "      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://localhost:$((8000 + i))/health\"]"
    echo "      interval: 10s"
    echo "      retries: 3"
    if [ "$i" -gt 1 ]; then
      echo "    depends_on:"
      echo "      svc$((i - 1)):"
      echo "        condition: service_healthy"
    fi
    echo "    labels: [com.example.svc=svc$i, com.example.tier=$((i % 3))]"
  done
  echo "volumes:"
  for j in $(seq 0 19); do echo "  data$j: {}"; done
} > "$big/compose.yaml"
{
  echo "services:"
  for i in $(seq 1 200 | awk 'NR % 4 == 1'); do
    echo "  svc$i:"
    echo "    ports: [\"$((30000 + i)):9229\"]"
    echo "    environment: {LOG_LEVEL: debug, DEBUG: \"1\"}"
    echo "    volumes: [\"./src/svc$i:/srv/src\"]"
  done
} > "$big/compose.override.yaml"

# --- timing -------------------------------------------------------------------------------
now_ns() { date +%s%N; }

# bench NAME DIR DEVCTL_ARGS... -- COMPOSE_ARGS...
bench() {
  local name=$1 dir=$2; shift 2
  local dargs=() cargs=()
  while [ "$1" != "--" ]; do dargs+=("$1"); shift; done; shift
  cargs=("$@")
  (cd "$dir" && "$DEVCTL" "${dargs[@]}" config --json >/dev/null 2>&1) || { echo "devctl failed on $name" >&2; exit 1; }
  (cd "$dir" && docker compose "${cargs[@]}" config --format json >/dev/null 2>&1) || { echo "compose failed on $name" >&2; exit 1; }
  local d_total=0 c_total=0 t0 t1
  for _ in $(seq 1 "$RUNS"); do
    t0=$(now_ns); (cd "$dir" && "$DEVCTL" "${dargs[@]}" config --json >/dev/null 2>&1); t1=$(now_ns)
    d_total=$((d_total + t1 - t0))
    t0=$(now_ns); (cd "$dir" && docker compose "${cargs[@]}" config --format json >/dev/null 2>&1); t1=$(now_ns)
    c_total=$((c_total + t1 - t0))
  done
  awk -v n="$name" -v d="$d_total" -v c="$c_total" -v r="$RUNS" 'BEGIN {
    dm = d / r / 1e6; cm = c / r / 1e6;
    printf "%-38s %10.1f ms %14.1f ms %10.3fx\n", n, dm, cm, dm / cm }'
}

seed="tests/fixtures/seeds/seed-004-antone"
printf "%-38s %13s %17s %11s\n" "case ($RUNS runs each, alternating)" "devctl" "docker compose" "ratio"
bench "seed-004-antone base+dev" "$seed" --dev -- -f docker/docker-compose.yml -f docker/docker-compose.dev.yml
bench "generated 200 services base+override" "$big" -- -f compose.yaml -f compose.override.yaml
