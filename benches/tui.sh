#!/usr/bin/env bash
# Dashboard benchmarks, printed with the demo stack running, as a user sees them (the real
# binary in a real terminal: tmux), each next to what users would otherwise run:
#   1. start → first frame, and → first complete frame (Engine facts on screen)   goal ≤ 150 ms
#      (next to `docker compose ps`, the one-shot view)
#   2. Engine event → redrawn cell (kill/start a container; the Engine's event time → the
#      first screen that shows it)                                                   goal ≤ 100 ms
#   3. idle CPU over 60 s (stack running: a worker logging, stats streaming)         goal ≤ 0.5 %
#      (next to `docker stats` for the same containers, over the same time)
#   4. peak RSS after 1,000,000 log lines passed through the log pane               goal ≤ 50 MB
#      (next to `docker compose logs --no-color` of the same service)
#
# Usage: benches/tui.sh [--quick]   (--quick: 10 s idle window, 100,000 log lines)
# Projects devctl-it-tui-bench and devctl-it-tui-benchlogs, host ports 18530-18531; everything
# created is removed on exit. To run beside another copy: BENCH_PROJECT=NAME BENCH_PORT=N
# (ports N and N+1).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}
project=${BENCH_PROJECT:-devctl-it-tui-bench}
logs_project=${project}logs
volume=$project-dbdata
work=$(mktemp -d)
sock=$project-$$
port=${BENCH_PORT:-18530}
export DEMO_API_PORT=$port DEMO_DB_PORT=$((port + 1)) DEMO_DB_VOLUME=$volume

cleanup() {
  tmux -L "$sock" kill-server >/dev/null 2>&1 || true
  docker compose -p "$project" down -t 0 --remove-orphans >/dev/null 2>&1 || true
  docker compose -p "$logs_project" down -t 0 --remove-orphans >/dev/null 2>&1 || true
  docker volume rm -f "$volume" "${project}_cache" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet
devctl=$PWD/target/release/devctl
XDG_DATA_HOME=$work/data "$devctl" demo path >/dev/null
cp -r "$work/data/devctl/demo/." "$work/stack"
docker volume create "$volume" >/dev/null
(cd "$work/stack" && docker compose -p "$project" -f docker-compose.yml -f docker-compose.dev.yml up -d --wait >/dev/null 2>&1)

mkdir -p "$work/logs"
lines=1000000
idle=60
if [ "$quick" = "--quick" ]; then lines=100000; idle=10; fi
cat > "$work/logs/compose.yaml" <<EOF
services:
  spam:
    image: busybox:stable
    init: true
    network_mode: none
    command: ["sh", "-c", "awk 'BEGIN { for (i = 1; i <= $lines; i++) print \"log line \" i \" lorem ipsum dolor sit amet, consectetur adipiscing elit\" }'; echo SPAM-DONE; exec sleep 2147483647"]
EOF
(cd "$work/logs" && docker compose -p "$logs_project" create >/dev/null 2>&1)

tmux -L "$sock" -f /dev/null new-session -d -s bench -x 140 -y 45 -c "$work/stack" sh

DEVCTL=$devctl SOCK=$sock PROJECT=$project LOGS_PROJECT=$logs_project STACK=$work/stack \
LOGS_DIR=$work/logs IDLE=$idle LINES=$lines XDG=$work/data python3 - <<'PY'
import os, re, statistics, subprocess, time

devctl, sock = os.environ["DEVCTL"], os.environ["SOCK"]
project, logs_project = os.environ["PROJECT"], os.environ["LOGS_PROJECT"]
stack, logs_dir = os.environ["STACK"], os.environ["LOGS_DIR"]
idle, lines = int(os.environ["IDLE"]), int(os.environ["LINES"])
env_args = ["-e", "XDG_DATA_HOME=" + os.environ["XDG"], "-e", "TERM=xterm-256color"]

def tmux(*a):
    return subprocess.run(["tmux", "-L", sock, *a], capture_output=True, text=True).stdout

def screen():
    return tmux("capture-pane", "-p", "-t", "bench")

def launch(args, cwd):
    # respawn-pane runs the command directly: the pane's pid is devctl's.
    tmux("respawn-pane", "-k", "-t", "bench", "-c", cwd, *env_args, "exec " + " ".join(args))

def pane_pid():
    return int(tmux("display", "-p", "-t", "bench", "#{pane_pid}").strip())

def row(s, svc):
    for l in s.splitlines():
        if l.lstrip("┃│ ▶").startswith(svc + " "):
            return l
    return ""

def wait(pred, timeout=60.0, step=0.002):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        s = screen()
        if pred(s):
            return time.perf_counter(), s
        time.sleep(step)
    raise SystemExit("timed out; screen:\n" + screen())

def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]

services = ["api", "cache", "db", "flaky", "worker"]
complete = lambda s: "● connected" in s and all(
    row(s, x) and "unknown" not in row(s, x) for x in services)

# 1. Start → first frame / first complete frame.
first, full = [], []
for _ in range(10):
    launch(["sleep", "1000"], stack)
    time.sleep(0.2)
    t0 = time.perf_counter()
    launch([devctl, "-p", project], stack)
    t1, _ = wait(lambda s: "? help" in s)
    t2, _ = wait(complete)
    first.append((t1 - t0) * 1000); full.append((t2 - t0) * 1000)
ps = []
for _ in range(10):
    t0 = time.perf_counter()
    subprocess.run(["docker", "compose", "-p", project, "ps"], cwd=stack, capture_output=True)
    ps.append((time.perf_counter() - t0) * 1000)
m_first, m_full, m_ps = statistics.median(first), statistics.median(full), statistics.median(ps)
print(f"1. start → first frame:          median {m_first:6.1f} ms  p95 {pct(first, .95):6.1f} ms")
print(f"   start → first complete frame: median {m_full:6.1f} ms  p95 {pct(full, .95):6.1f} ms"
      f"   (goal ≤ 150 ms: {m_full / 150:.2f}× the goal)")
print(f"   docker compose ps:            median {m_ps:6.1f} ms   ratio complete-frame/compose-ps = {m_full / m_ps:.2f}")

# 2. Engine event → redrawn cell: the Engine's event time → the first screen showing it.
flaky = f"{project}-flaky-1"
def events(since):
    out = subprocess.run(["docker", "events", "--since", since, "--until", str(time.time()),
                          "--filter", f"container={flaky}", "--format", "{{.Status}}|{{.TimeNano}}"],
                         capture_output=True, text=True).stdout.splitlines()
    return [(l.split("|")[0], int(l.split("|")[1])) for l in out if "|" in l]
def measure(action, pred, status):
    # Poll the screen WHILE the action runs: `docker kill` returns only after the Engine has
    # torn the container down (tens of ms after its `die` event), and the dashboard usually
    # shows the change before that; polling only afterwards would time `docker kill`.
    since = str(time.time() - 1)
    for attempt in range(3):  # the Engine may still be tearing the container down
        before = screen()
        p = subprocess.Popen(action, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen = None
        while p.poll() is None and seen is None:
            if pred(screen()) and not pred(before):
                seen = time.time_ns()
            time.sleep(0.001)
        err = p.stderr.read()
        if p.wait() == 0:
            break
        time.sleep(0.3)
    else:
        raise SystemExit(f"{' '.join(action)} failed: {err.strip()}")
    if seen is None:
        wait(pred, step=0.001)
        seen = time.time_ns()
    ev = [t for (st, t) in events(since) if st == status]
    return (seen - ev[-1]) / 1e6 if ev else None
lat = {"health_status: unhealthy": [], "health_status: healthy": [], "die": [], "start": []}
for _ in range(10):
    wait(lambda s: " healthy" in row(s, "flaky"), timeout=60)
    lat["health_status: unhealthy"].append(measure(
        ["docker", "exec", flaky, "touch", "/tmp/unhealthy"], lambda s: "unhealthy" in row(s, "flaky"),
        "health_status: unhealthy"))
    lat["health_status: healthy"].append(measure(
        ["docker", "exec", flaky, "rm", "/tmp/unhealthy"], lambda s: " healthy" in row(s, "flaky"),
        "health_status: healthy"))
    lat["die"].append(measure(["docker", "kill", flaky], lambda s: "exited" in row(s, "flaky"), "die"))
    lat["start"].append(measure(["docker", "start", flaky], lambda s: "running" in row(s, "flaky"), "start"))
worst = 0.0
print("2. Engine event → redrawn cell (10 rounds; the screen is polled while the docker command runs,\n"
      "   every ~3-5 ms: the poll is included):")
for k, v in lat.items():
    v = [x for x in v if x is not None]
    worst = max(worst, pct(v, .95))
    print(f"   {k:26s} → cell: median {statistics.median(v):6.1f} ms  p95 {pct(v, .95):6.1f} ms")
print(f"   (goal ≤ 100 ms: worst p95 is {worst / 100:.2f}× the goal)")

# 3. Idle CPU.
wait(lambda s: " healthy" in row(s, "flaky"), timeout=60)
time.sleep(3)
hz = os.sysconf("SC_CLK_TCK")
def cpu_ticks(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
pid = pane_pid()
a = cpu_ticks(pid); time.sleep(idle); b = cpu_ticks(pid)
dash = (b - a) / hz / idle * 100
names = subprocess.run(["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}"],
                       capture_output=True, text=True).stdout.split()
stats = subprocess.Popen(["docker", "stats", *names], stdout=subprocess.DEVNULL)
time.sleep(3)
a = cpu_ticks(stats.pid); time.sleep(idle); b = cpu_ticks(stats.pid)
stats.kill(); stats.wait()
ds = (b - a) / hz / idle * 100
rss = int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1)) / 1024
print(f"3. idle CPU over {idle} s: devctl dashboard {dash:.2f} % of one core (RSS {rss:.1f} MB)"
      f"   (goal ≤ 0.5 %: {dash / 0.5:.2f}× the goal);  docker stats {ds:.2f} %  ratio {dash / ds if ds else float('nan'):.2f}")

# 4. Peak RSS after N log lines through the log pane.
launch(["sleep", "1000"], logs_dir); time.sleep(0.2)
launch([devctl, "-p", logs_project], logs_dir)
wait(lambda s: "● connected" in s and "spam" in s)
pid = pane_pid()
t0 = time.perf_counter()
subprocess.run(["docker", "compose", "-p", logs_project, "start"], cwd=logs_dir, capture_output=True, check=True)
t1, _ = wait(lambda s: "SPAM-DONE" in s, timeout=900, step=0.05)
hwm = int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1)) / 1024
t2 = time.perf_counter()
p = subprocess.run(["/usr/bin/time", "-f", "%M", "docker", "compose", "-p", logs_project, "logs", "--no-color", "spam"],
                   cwd=logs_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
t3 = time.perf_counter()
compose_kb = int(p.stderr.strip().splitlines()[-1])
print(f"4. {lines:,} log lines through the log pane in {t1 - t0:.1f} s: devctl peak RSS {hwm:.1f} MB"
      f"   (goal ≤ 50 MB: {hwm / 50:.2f}× the goal);  docker compose logs --no-color: {t3 - t2:.1f} s, "
      f"peak RSS {compose_kb / 1024:.1f} MB")
tmux("send-keys", "-t", "bench", "q")
PY
