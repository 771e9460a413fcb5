#!/usr/bin/env bash
# Runs a command with a deadline, so that a hang fails the run in bounded time and shows where
# it hangs, instead of holding CI until its own limit:
#
#   scripts/deadline.sh [--log FILE] SECONDS COMMAND [ARG...]
#
# The command runs under `timeout`, in a process group of its own with everything it starts
# (nodes, browsers). If it still runs 20 s before the deadline, this prints the group's
# processes and, with gdb installed, every thread's backtrace of each program in it (not the
# nodes', cargo's or timeout's); at the deadline the whole group is stopped (TERM, then KILL
# 10 s later) and the exit status is 124. Ctrl-C stops the whole group too.
#
# --log FILE: the command's stderr goes to FILE (a program's debug log, say), and if the
# command fails, its last 200 lines are printed here.
set -uo pipefail

log=
if [[ ${1:-} == --log ]]; then
  log=${2:?--log needs a file}
  shift 2
fi
if (($# < 2)) || ! [[ $1 =~ ^[0-9]+$ ]] || (($1 <= 20)); then
  echo "usage: scripts/deadline.sh [--log FILE] SECONDS(>20) COMMAND [ARG...]" >&2
  exit 2
fi
limit=$1
shift

if [[ -n $log ]]; then
  timeout -k 10 "$limit" "$@" 2>"$log" &
else
  timeout -k 10 "$limit" "$@" &
fi
guarded=$! # timeout leads the process group of everything the command starts
trap 'kill -TERM -- "-$guarded" 2>/dev/null; exit 130' INT TERM

report() {
  echo "deadline.sh: still running after $((limit - 20)) s of $limit: $*" >&2
  for pid in $(pgrep -g "$guarded"); do
    local name
    name=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200) || continue
    echo "deadline.sh: process $pid: $name" >&2
    case $name in
      timeout* | *cargo\ * | *substrate-contracts-node*) continue ;;
    esac
    if command -v gdb >/dev/null; then
      timeout 60 gdb -p "$pid" -batch -ex 'thread apply all bt 40' 2>/dev/null |
        grep -E '^(Thread|#)' | sed 's/^/    /' >&2
    fi
  done
}

(
  for ((second = 0; second < limit - 20; second++)); do
    sleep 1
    kill -0 "$guarded" 2>/dev/null || exit 0
  done
  report "$@"
) &
watcher=$!

wait "$guarded"
status=$?
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
if ((status == 124)); then
  echo "deadline.sh: stopped after $limit s: $*" >&2
fi
if ((status != 0)) && [[ -n $log ]]; then
  echo "deadline.sh: the last 200 lines of its stderr ($log):" >&2
  tail -n 200 "$log" >&2
fi
exit "$status"
