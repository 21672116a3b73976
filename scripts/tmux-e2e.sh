#!/usr/bin/env bash
# End-to-end test of the wizard in a real terminal: builds mailcfg, runs
# `mailcfg demo` in a detached tmux session of 80x24, and drives it from the
# first screen to the summary with send-keys, asserting the screen
# (capture-pane) at each step. Exits non-zero, printing the screen, on the
# first assertion that fails. Leaves nothing running: its tmux server has its
# own socket and is killed on exit.
#
# Usage: scripts/tmux-e2e.sh [path/to/mailcfg]   (builds one when not given)
set -euo pipefail

cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux-e2e: tmux is not installed" >&2; exit 2; }

work=$(mktemp -d)
sock="mailcfg-e2e-$$"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bin=${1:-}
if [ -z "$bin" ]; then
  bin="$work/mailcfg"
  go build -o "$bin" ./cmd/mailcfg
fi

screen() { tmux -L "$sock" capture-pane -p -t e2e 2>/dev/null || true; }

fail() {
  echo "tmux-e2e: FAIL: $*" >&2
  echo "---- screen ----" >&2
  screen >&2
  echo "----------------" >&2
  exit 1
}

# wait_for TEXT...: waits up to 30 s until the screen holds every TEXT.
wait_for() {
  local deadline=$((SECONDS + 30)) s missing
  while :; do
    s=$(screen)
    missing=""
    for t in "$@"; do
      case "$s" in *"$t"*) ;; *) missing="$t"; break ;; esac
    done
    [ -z "$missing" ] && return 0
    [ $SECONDS -ge $deadline ] && fail "waited 30 s for \"$missing\""
    sleep 0.05
  done
}

# refute TEXT: fails when the screen holds TEXT.
refute() {
  case "$(screen)" in *"$1"*) fail "the screen shows \"$1\"" ;; esac
}

keys() { tmux -L "$sock" send-keys -t e2e "$@"; }

# A colour is an SGR 30-38, 40-48, 90-97 or 100-107 (39 and 49, the
# defaults, are resets tmux adds).
sgr=$'\e\\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9]+)*m'
colour_lines() { tmux -L "$sock" capture-pane -p -e -t e2e | grep -cE "$sgr" || true; }

# The pane runs the demo in the work folder, then prints its exit code and
# waits, so the code can be read after the wizard has left the screen.
tmux -L "$sock" -f /dev/null new-session -d -s e2e -x 80 -y 24 \
  "cd '$work' && env -u NO_COLOR TERM=xterm-256color '$bin' demo; echo \"EXIT=\$?\"; sleep 30"

step=0
check() { step=$((step + 1)); echo "tmux-e2e: step $step: $*"; }

check "provider"
wait_for "mailcfg setup — Provider and region (1 of 9)" "[provider]" "mailcfg sandbox" "enter choose"
[ "$(colour_lines)" -gt 0 ] || fail "no colour on a colour terminal"
keys Enter

check "domain"
wait_for "Domain and sender (2 of 9)" "Domain   example.test" "Sender   demo@example.test" "✓ valid"
keys Enter

check "port"
wait_for "Port (3 of 9)" "Host mail.example.test" "587" "recommended" "✓ open"
wait_for "465" "✓ open"
keys Enter

check "credentials"
wait_for "Credentials (4 of 9)" "Username sandbox-" "Secret   ••••" "nothing is stored"
keys Enter

check "handshake"
wait_for "SMTP handshake (5 of 9)" "✓ connect" "✓ starttls" "✓ auth" "AUTH PLAIN ********" "✓ the handshake passed"
refute "✗ the handshake failed"
keys Enter

check "dns"
wait_for "DNS checks (6 of 9)" "0 fail" "SPF" "DMARC" "r recheck"
keys Enter

check "records"
wait_for "Records to publish (7 of 9)" "✓ everything needed is published" "_dmarc.example.test." "keep"
keys Down c
wait_for "copied with OSC 52"
keys s
wait_for "Save as example.test.zone"
keys Enter
wait_for "saved the zone fragment to example.test.zone"
[ -s "$work/example.test.zone" ] || fail "no zone file was written"
keys Enter

check "send"
wait_for "Test send (8 of 9)" "From demo@example.test" "empty: send it to the sender"
keys Enter
wait_for "✓ data" "Queue id" "signed and verified" "✓ the test message was accepted"
keys Enter

check "summary"
wait_for "Summary (9 of 9)" "✓ everything passed" "✓ pass  SMTP handshake" "✓ pass  Test message to demo@example.test"
keys s
wait_for "Save as mailcfg-report-example.test.md"
keys Enter
wait_for "saved the report to mailcfg-report-example.test.md"
grep -q "# mailcfg report for example.test" "$work/mailcfg-report-example.test.md" || fail "the report file is wrong"
keys Enter

check "exit"
wait_for "EXIT=0"
tmux -L "$sock" kill-session -t e2e

# Monochrome: with NO_COLOR the screen carries no colour, only bold; q at the
# first step quits at once (nothing to lose) with the interrupted code.
tmux -L "$sock" -f /dev/null new-session -d -s e2e -x 80 -y 24 \
  "cd '$work' && env NO_COLOR=1 TERM=xterm-256color '$bin' demo; echo \"EXIT=\$?\"; sleep 30"
check "no colour"
wait_for "Provider and region (1 of 9)"
colours=$(colour_lines)
[ "$colours" = 0 ] || fail "NO_COLOR screen has colour on $colours lines"
keys q
check "quit"
wait_for "EXIT=130"
echo "tmux-e2e: PASS ($step steps)"
