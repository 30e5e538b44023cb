#!/bin/sh
# The whole suite, as CI runs it: type check, lint (zero warnings), generated docs not stale, then every
# test file.
# Tests that need root (the simulated cluster) skip with a message when not root. One file at a time:
# several files bind fixed loopback ports (4317, 13133) or bring up clusters, and must not meet.
set -eu
cd "$(dirname "$0")/.."
node_modules/.bin/tsc -p tsconfig.test.json
node_modules/.bin/biome lint --error-on-warnings --max-diagnostics=50
if [ -f scripts/gen-docs.ts ]; then node scripts/gen-docs.ts --check; fi
if [ "$#" -gt 0 ]; then set -- "$@"; else set -- 'test/**/*.test.ts'; fi
exec node --test --test-concurrency=1 --test-timeout=600000 "$@"
