#!/usr/bin/env bash
# The one test command: installs what the tests need on a fresh Debian machine
# (tmux for the terminal end-to-end test, swaks as an outside SMTP client,
# bind9-utils for named-checkzone), then vets and runs every test with the
# race detector.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
command -v named-checkzone >/dev/null 2>&1 || need+=(bind9-utils)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test.sh: installing ${need[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

export MAILCFG_ZONE_CHECK=1
go vet ./...
go test -race -count=1 ./...
