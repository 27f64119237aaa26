#!/usr/bin/env bash
# Capture the real dashboard on the demo stack (the release binary in tmux, 120×34) as text
# and as an SVG picture for the README: assets/screenshots/dashboard.{txt,ansi,svg}.
# Project devctl-it-tui-shot, host ports 18540-18541; everything is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$PWD/assets/screenshots
project=devctl-it-tui-shot
volume=$project-dbdata
work=$(mktemp -d)
sock=devctl-it-tui-shot-$$
export DEMO_API_PORT=18540 DEMO_DB_PORT=18541 DEMO_DB_VOLUME=$volume
cleanup() {
  tmux -L "$sock" kill-server >/dev/null 2>&1 || true
  docker compose -p "$project" down -t 0 --remove-orphans >/dev/null 2>&1 || true
  docker volume rm -f "$volume" "${project}_cache" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cargo build --release --quiet
devctl=$PWD/target/release/devctl
stack=$(XDG_DATA_HOME=$work/data "$devctl" demo path)
docker volume create "$volume" >/dev/null
tmux -L "$sock" -f /dev/null new-session -d -s shot -x 120 -y 34 -c "$stack" \
  -e XDG_DATA_HOME="$work/data" -e TERM=xterm-256color "exec $devctl -p $project"
shot() { tmux -L "$sock" capture-pane -p -t shot "$@"; }
until shot | grep -q '? help'; do sleep 0.2; done
tmux -L "$sock" send-keys -t shot u
until shot | grep -q 'up all services` finished'; do sleep 0.5; done
# One unhealthy service with a log line, selected; a few seconds of logs and stats.
docker exec "$project-flaky-1" sh -c \
  "touch /tmp/unhealthy; echo 'flaky: /tmp/unhealthy created: the health check fails now' > /proc/1/fd/1"
until shot | grep -q 'unhealthy'; do sleep 0.3; done
sleep 6
shot -e > "$out/dashboard.ansi"
shot > "$out/dashboard.txt"
python3 "$out/ansi_to_svg.py" "$out/dashboard.ansi" "$out/dashboard.svg" "devctl — demo stack (dev)"
tmux -L "$sock" send-keys -t shot D
until shot | grep -q 'DELETE VOLUME DATA'; do sleep 0.3; done
sleep 0.5
shot -e > "$out/delete-modal.ansi"
python3 "$out/ansi_to_svg.py" "$out/delete-modal.ansi" "$out/delete-modal.svg" "devctl — D: typed confirmation"
tmux -L "$sock" send-keys -t shot Escape
sleep 0.3
tmux -L "$sock" send-keys -t shot q
echo "wrote $out/dashboard.svg, $out/delete-modal.svg"
