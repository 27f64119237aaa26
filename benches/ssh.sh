#!/usr/bin/env bash
# `devctl ps` over an ssh:// endpoint: median wall time over N runs and how many ssh
# handshakes (sshd's "Accepted publickey") one `ps` costs. Runs its own sshd on 127.0.0.1
# (own keys and config, as tests/engine/ssh.rs does) in front of the local Engine, with
# `docker compose ps` over the same endpoint beside it.
#
# Usage: benches/ssh.sh [RUNS] [DEVCTL]   (defaults 15 and target/debug/devctl, built first).
# BEFORE=/path/to/an/older/devctl measures that binary too, in the same run, right before.
# Uses project devctl-it-engine-sshbench; removes everything it created on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
devctl=${2:-}
project=${BENCH_PROJECT:-devctl-it-engine-sshbench}
work=$(mktemp -d)
sshd_pid=

cleanup() {
  # The local Engine directly (DOCKER_HOST points at the ssh endpoint below).
  env -u DOCKER_HOST docker compose -p "$project" -f "$work/compose.yaml" down -t 0 --remove-orphans >/dev/null 2>&1 || true
  [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$devctl" ]; then
  cargo build --quiet
  devctl=$PWD/target/debug/devctl
fi

ssh-keygen -q -t ed25519 -N "" -f "$work/host"
ssh-keygen -q -t ed25519 -N "" -f "$work/user"
cp "$work/user.pub" "$work/authorized_keys"
mkdir -p /run/sshd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxStartups 100
MaxSessions 100
LogLevel INFO
EOF
cat >"$work/ssh_config" <<EOF
Host *
  IdentityFile $work/user
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
EOF
mkdir -p "$work/bin"
cat >"$work/bin/ssh" <<EOF
#!/bin/sh
exec /usr/bin/ssh -F "$work/ssh_config" "\$@"
EOF
chmod +x "$work/bin/ssh"
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.1
done

cat >"$work/compose.yaml" <<EOF
name: $project
services:
EOF
for s in a b c d; do
  cat >>"$work/compose.yaml" <<EOF
  $s:
    image: devctl-test/busybox:latest
    pull_policy: never
    init: true
    command: ["sleep", "3600"]
EOF
done
docker compose -p "$project" -f "$work/compose.yaml" up -d --quiet-pull >/dev/null 2>&1

export PATH="$work/bin:$PATH" DOCKER_HOST="ssh://root@127.0.0.1:$port"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_runs() {
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
  done | median
}

handshakes() {
  local n0 n1
  n0=$(grep -c "Accepted publickey" "$work/sshd.log" || true)
  "$@" >/dev/null 2>&1
  sleep 0.2
  n1=$(grep -c "Accepted publickey" "$work/sshd.log" || true)
  echo $((n1 - n0))
}
echo "ps over ssh, 4 services, median of $runs runs:"
if [ -n "${BEFORE:-}" ]; then
  h=$(handshakes "$BEFORE" -p "$project" -f "$work/compose.yaml" ps)
  b=$(time_runs "$BEFORE" -p "$project" -f "$work/compose.yaml" ps)
  echo "  devctl ps (before): ${b} ms   (ssh handshakes per run: $h)"
fi
h=$(handshakes "$devctl" -p "$project" -f "$work/compose.yaml" ps)
d=$(time_runs "$devctl" -p "$project" -f "$work/compose.yaml" ps)
echo "  devctl ps:          ${d} ms   (ssh handshakes per run: $h)"
c=$(time_runs docker compose -p "$project" -f "$work/compose.yaml" ps)
echo "  docker compose ps:  ${c} ms"
