#!/usr/bin/env bash
# Runs a local substrate-contracts-node (dev chain, instant blocks) on 127.0.0.1.
#
#   scripts/node.sh start [--tmp] [--port PORT]   start in the background, wait until it answers
#   scripts/node.sh stop                          stop it cleanly (SIGTERM, then wait)
#   scripts/node.sh status                        print the URL if it is running
#
# By default the chain is kept in ${EHR_DATA:-~/.local/share/ehr}/node and survives restarts;
# --tmp starts from a fresh chain that is deleted when the node stops (tests, the demo).
# The node binary is $CONTRACTS_NODE, or substrate-contracts-node on PATH.
set -euo pipefail

data=${EHR_DATA:-$HOME/.local/share/ehr}
state=$data/run
pid_file=$state/node.pid
url_file=$state/node.url
log_file=$state/node.log
node=${CONTRACTS_NODE:-substrate-contracts-node}
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

say() { printf '[node] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

answers() { # port
  curl -sf -m 2 -H 'Content-Type: application/json' \
    -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
    "http://127.0.0.1:$1" >/dev/null 2>&1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local port=9944 tmp=0
  while [ $# -gt 0 ]; do
    case $1 in
      --tmp) tmp=1 ;;
      --port) port=$2; shift ;;
      --free-port) port=$(free_port) ;;
      *) die "unknown option $1" ;;
    esac
    shift
  done
  if running; then
    say "already running at $(cat "$url_file")"
    cat "$url_file"
    return
  fi
  command -v "$node" >/dev/null || die "$node not found: run scripts/setup.sh or set CONTRACTS_NODE"
  mkdir -p "$state"
  local base=(--base-path "$data/node")
  [ "$tmp" = 1 ] && base=(--tmp)
  "$node" --dev "${base[@]}" --rpc-port "$port" --rpc-max-connections 1000 \
    --no-prometheus --no-telemetry >"$log_file" 2>&1 &
  echo $! >"$pid_file"
  echo "ws://127.0.0.1:$port" >"$url_file"
  for _ in $(seq 1 120); do
    if answers "$port"; then
      say "running at ws://127.0.0.1:$port (log: $log_file)"
      cat "$url_file"
      return
    fi
    running || { tail -n 20 "$log_file" >&2; die "the node exited"; }
    sleep 0.5
  done
  stop
  die "the node did not answer within 60 s (log: $log_file)"
}

stop() {
  if ! running; then
    rm -f "$pid_file" "$url_file"
    return
  fi
  local pid
  pid=$(cat "$pid_file")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file" "$url_file"
  say "stopped"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) if running; then cat "$url_file"; else say "not running"; exit 1; fi ;;
  *) echo "usage: $0 start [--tmp] [--port PORT | --free-port] | stop | status" >&2; exit 2 ;;
esac
