#!/usr/bin/env bash
# Engine-side timings on one running stack, printed side by side with what users run today:
#   1. `devctl ps` vs `docker compose ps` (median wall time over N runs; goal ratio <= 0.3);
#   2. latency from an Engine event (its own timeNano) to the matching `devctl status --watch
#      --json` line on devctl's stdout, next to the same latency for `docker events` (the raw
#      stream, a floor); goal p95 <= 100 ms.
#
# Usage: benches/engine.sh [RUNS] [EVENTS]   (defaults 30 and 40). Uses project
# devctl-it-engine-bench and host ports 18150-18151; removes everything it created on exit.
# To run beside another copy: BENCH_PROJECT=NAME BENCH_PORT=N (ports N and N+1).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
events=${2:-40}
project=${BENCH_PROJECT:-devctl-it-engine-bench}
port=${BENCH_PORT:-18150}
work=$(mktemp -d)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  docker compose -p "$project" -f "$work/compose.yaml" down -v -t 0 --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet
devctl=$PWD/target/release/devctl

cat >"$work/compose.yaml" <<EOF
name: $project
services:
  web:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["httpd", "-f", "-p", "8080", "-h", "/"]
    ports: ["127.0.0.1:$port:8080"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:8080/etc/hostname"]
      interval: 2s
  api:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["httpd", "-f", "-p", "8081", "-h", "/"]
    ports: ["127.0.0.1:$((port + 1)):8081"]
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://localhost:8081/etc/hostname || exit 1"]
      interval: 2s
    depends_on:
      db: {condition: service_healthy}
  db:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["sleep", "1000000"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
  worker:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["sh", "-c", "while true; do echo tick; sleep 1; done"]
    scale: 2
  victim:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["sleep", "1000000"]
    stop_grace_period: 0s
  cache:
    image: devctl-test/busybox:latest
    pull_policy: never
    command: ["sleep", "1000000"]
    profiles: ["cache"]
EOF
cd "$work"
docker compose -p "$project" up -d --wait >/dev/null 2>&1
n=$(docker ps -q --filter "label=com.docker.compose.project=$project" | wc -l)
echo "stack: $project, $n running containers, Engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# 1. ps: median of N runs each, interleaved so both see the same machine load.
python3 - "$devctl" "$runs" <<'PY'
import statistics, subprocess, sys, time
devctl, runs = sys.argv[1], int(sys.argv[2])
cmds = {"devctl ps": [devctl, "ps"], "docker compose ps": ["docker", "compose", "ps"]}
times = {k: [] for k in cmds}
for name, argv in cmds.items():  # warm-up
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for name, argv in cmds.items():
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        times[name].append((time.perf_counter() - t) * 1000)
d, c = statistics.median(times["devctl ps"]), statistics.median(times["docker compose ps"])
print(f"ps ({runs} runs each, median):  devctl ps {d:6.1f} ms   docker compose ps {c:6.1f} ms   "
      f"ratio {d / c:.2f} (goal <= 0.30)")
PY

# 2. Event -> line latency. Both readers timestamp each line as it arrives on a pipe.
python3 - "$devctl" "$project" "$events" <<'PY'
import json, os, statistics, subprocess, sys, threading, time
devctl, project, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

def reader(argv, key, out, ready):
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    out["proc"] = p
    for line in p.stdout:
        now = time.time_ns()
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if v.get("type") in ("connected",):
            ready.set()
        t = key(v)
        if t:
            out.setdefault("lat", []).append((now - t) / 1e6)

dev, raw = {}, {}
dev_ready, raw_ready = threading.Event(), threading.Event()
threading.Thread(target=reader, daemon=True, args=(
    [devctl, "status", "--watch", "--json"],
    lambda v: v.get("event_time_unix_nano") if v.get("service") == "victim" and v.get("cause") in ("die", "start") else None,
    dev, dev_ready)).start()
threading.Thread(target=reader, daemon=True, args=(
    ["docker", "events", "--format", "{{json .}}", "--filter", f"label=com.docker.compose.project={project}",
     "--filter", "event=die", "--filter", "event=start", "--filter", "label=com.docker.compose.service=victim"],
    lambda v: v.get("timeNano"), raw, raw_ready)).start()
dev_ready.wait(10)
time.sleep(1.0)  # let `docker events` subscribe and the initial snapshot print
cid = subprocess.run(["docker", "compose", "-p", project, "ps", "-q", "victim"], capture_output=True, text=True).stdout.strip()
for i in range(n):
    # kill -> die event; start -> start event: two state changes per round.
    subprocess.run(["docker", "kill", cid], stdout=subprocess.DEVNULL, check=True)
    time.sleep(0.15)
    subprocess.run(["docker", "start", cid], stdout=subprocess.DEVNULL, check=True)
    time.sleep(0.15)
time.sleep(1.0)
for d in (dev, raw):
    if "proc" in d:
        d["proc"].terminate()

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

dl, rl = dev.get("lat", []), raw.get("lat", [])
if not dl or not rl:
    print(f"latency: not enough samples (devctl {len(dl)}, docker events {len(rl)})")
    sys.exit(1)
print(f"event -> line latency ({len(dl)} devctl lines, {len(rl)} docker events lines):")
print(f"  devctl status --watch   p50 {pct(dl, 50):6.1f} ms   p95 {pct(dl, 95):6.1f} ms   max {max(dl):6.1f} ms   (goal p95 <= 100 ms)")
print(f"  docker events (floor)   p50 {pct(rl, 50):6.1f} ms   p95 {pct(rl, 95):6.1f} ms   max {max(rl):6.1f} ms")
print(f"  ratio p95 devctl / docker events = {pct(dl, 95) / max(pct(rl, 95), 0.001):.1f}")
PY
