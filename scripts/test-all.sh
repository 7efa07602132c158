#!/usr/bin/env bash
# `npm run test:all`: everything the tests need on a fresh Debian machine that has only Node, then the
# whole suite. CI (.ci/run) runs exactly this. Developers who already installed everything run
# `npm test`, which this ends with.
set -euo pipefail
cd "$(dirname "$0")/.."

# The cluster tests start their own redis-server on a free loopback port; the browser test drives
# Debian's Chromium at /usr/bin/chromium.
install_system_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ "${#missing[@]}" -eq 0 ] && return 0

  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "The tests need ${missing[*]}: run this as root, or install them with apt-get first." >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  echo "Installing ${missing[*]} with apt-get"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_system_packages

# The load test opens 2,000 sockets at once (about 4,000 descriptors on loopback).
ulimit -n 65536 2>/dev/null || true

# npm packages (the Nest 11 copies and the Node 22/24 binaries are installed by `npm test` itself).
npm ci --no-audit --no-fund
npm test
