#!/usr/bin/env bash
# Measures the time from starting mailcfg to its first drawn frame, in a real
# terminal: tmux runs the command in a detached 80x24 pane, the pane writes
# the start time (ns) just before exec, and this script polls capture-pane
# until the first screen's title is there. It reports each run and the
# median, for `mailcfg setup` (catalogue only) and `mailcfg demo` (which
# starts the sandbox first), after a "floor" stand-in that prints the title
# at once: what the shell, tmux and the polling add. A measurement, not a
# test: it asserts nothing.
#
# Usage: scripts/first-frame.sh [runs]   (default 7)
set -euo pipefail

cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "first-frame: tmux is not installed" >&2; exit 2; }
runs=${1:-7}

work=$(mktemp -d)
# Each run has a tmux server of its own, so that one shutting down never
# races the next start.
sock="mailcfg-ff-$$"
cleanup() {
  for sk in $(cat "$work/socks" 2>/dev/null); do
    tmux -L "$sk" kill-server 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/mailcfg" ./cmd/mailcfg

# A stand-in that prints the first screen's title at once: its figure is the
# floor the measurement itself adds (the shell, exec, tmux and the polling).
printf '#!/bin/sh\necho "Provider and region"\nexec sleep 30\n' > "$work/floor"
chmod +x "$work/floor"

# measure PROG ARGS: one run; prints the milliseconds to the first frame.
measure() {
  local sk="$sock-$BASHPID-$RANDOM"
  echo "$sk" >> "$work/socks"
  rm -f "$work/start"
  tmux -L "$sk" -f /dev/null new-session -d -s ff -x 80 -y 24 \
    "cd '$work' && date +%s%N > start && exec env TERM=xterm-256color ./$*"
  local deadline=$((SECONDS + 30)) now
  while :; do
    if tmux -L "$sk" capture-pane -p -t ff 2>/dev/null | grep -q "Provider and region"; then
      now=$(date +%s%N)
      break
    fi
    [ $SECONDS -ge $deadline ] && { echo "first-frame: no frame after 30 s" >&2; exit 1; }
  done
  tmux -L "$sk" kill-server 2>/dev/null || true
  while [ ! -s "$work/start" ]; do sleep 0.01; done
  echo $(( (now - $(cat "$work/start")) / 1000000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for cmd in floor "mailcfg setup" "mailcfg demo"; do
  measure "$cmd" >/dev/null # warm the page cache
  times=()
  for _ in $(seq "$runs"); do
    times+=("$(measure "$cmd")")
  done
  echo "$cmd: first frame in ${times[*]} ms; median $(printf '%s\n' "${times[@]}" | median) ms"
done
