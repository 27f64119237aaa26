#!/usr/bin/env bash
# Wall time of `devctl doctor` on the seed stacks (goal: < 1 s each, Engine checks included),
# side by side with `docker compose config -q` on the same files — the check users run today,
# which validates far less. Prints the median of each and the ratio doctor / compose config.
#
# Usage: benches/doctor.sh [ROUNDS]   (default 10)
#   DEVCTL_BIN=path  use that binary instead of building target/release/devctl
# Read-only: doctor creates (never starts) a probe container only for local images, and
# removes it; nothing else is created.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
if [[ -n "${DEVCTL_BIN:-}" ]]; then
  devctl=$DEVCTL_BIN
else
  cargo build --release --quiet
  devctl=$PWD/target/release/devctl
fi
seeds=$PWD/tests/fixtures/seeds

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.4f", b - a}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# time_it OUTVAR DIR CMD...: median wall time of CMD in DIR over $rounds runs (exit code ignored:
# doctor exits 1 when it finds errors, which these stacks have).
time_it() {
  local -n out=$1; local dir=$2; shift 2
  local t=() t0
  for _ in $(seq 1 "$rounds"); do
    t0=$(now); (cd "$dir" && "$@" >/dev/null 2>&1) || true; t+=("$(secs "$t0" "$(now)")")
  done
  out=$(median "${t[@]}")
}

printf '%-34s %12s %12s %14s %8s\n' "stack" "doctor" "--offline" "compose config" "ratio"
bench() {
  local name=$1 dir=$2; shift 2
  local files=("$@") d o c
  time_it d "$dir" "$devctl" doctor "${files[@]}"
  time_it o "$dir" "$devctl" doctor --offline "${files[@]}"
  local cfiles=()
  for a in "${files[@]}"; do [[ $a == --prod || $a == --dev ]] || cfiles+=("$a"); done
  case " ${files[*]} " in
    *" --prod "*) cfiles+=(-f docker/docker-compose.yml -f docker/docker-compose.prod.yml) ;;
    *" --dev "*) cfiles+=(-f docker/docker-compose.yml -f docker/docker-compose.dev.yml) ;;
  esac
  time_it c "$dir" docker compose "${cfiles[@]}" config -q
  printf '%-34s %11.3fs %11.3fs %13.3fs %8.2f\n' "$name" "$d" "$o" "$c" "$(awk -v a="$d" -v b="$c" 'BEGIN {print a / b}')"
  awk -v d="$d" 'BEGIN {exit !(d < 1.0)}' || echo "  ^ over the 1 s goal"
}

bench "seed-000-nostream" "$seeds/seed-000-nostream" -f docker-compose.yml
bench "seed-001-peer-node" "$seeds/seed-001-peer-node" -f docker-compose.yml
bench "seed-002-dreamscape" "$seeds/seed-002-dreamscape" -f docker-compose.core-services.yml
bench "seed-003-pivotal (prod, profile)" "$seeds/seed-003-pivotal" -f infra/docker/docker-compose.prod.yml --profile production
bench "seed-004-antone --prod" "$seeds/seed-004-antone" --prod
echo "doctor = with the Engine checks; ratio = doctor / docker compose config -q (median of $rounds runs)"
