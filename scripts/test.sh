#!/usr/bin/env bash
# Runs every test: unit, connector, and integration tests against systemd test
# hosts in containers. Sets up what they need first: a Docker engine (installed
# and started where this is root on a Debian-family machine), the inotify limit,
# and the test host images.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-tools.sh
bash scripts/ensure-docker.sh
bash scripts/raise-inotify-limit.sh
export TESTCONTAINERS_RYUK_DISABLED=true

# Test hosts left by an interrupted run would hold the loopback addresses and ports.
leftovers=$(docker ps -aq --filter label=certfleet.test-host=true)
if [ -n "$leftovers" ]; then
  echo "certfleet tests: removing test hosts left by an earlier run" >&2
  docker rm -f $leftovers >/dev/null
fi

echo "certfleet tests: building the test host images from docker/ (the first time takes a few minutes)" >&2
bash docker/build-images.sh >/dev/null

# One test file at a time: the integration files each start several systemd hosts.
exec node --test --test-concurrency=1 "$@" dist/test/
