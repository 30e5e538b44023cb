#!/bin/sh
# `npm run demo`: the seed scenario (a collector whose OTLP receiver listens on localhost only, apps in
# another namespace that cannot reach it) in the simulated cluster, diagnosed by the plugin as a user
# would run it. diagnose exits 1 when it finds an error; that is the expected outcome here, so the demo
# reports it and succeeds, and fails on anything else.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "demo: the simulated cluster creates network namespaces and needs root (try: sudo npm run demo)" >&2
  exit 2
fi
node test/sim/cli.ts run --manifests test/scenarios/seed/manifests -- kubectl otel-doctor diagnose -n observability "$@"
code=$?
if [ "$code" = 1 ]; then
  echo "demo: diagnose exited 1 (findings at or above --fail-on error), as expected for the seed scenario" >&2
  exit 0
fi
exit "$code"
