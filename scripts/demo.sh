#!/usr/bin/env bash
# Runs the built-in demo (npm run demo): sets up a Docker engine where needed,
# builds the test host images, and deploys to two local test hosts.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-tools.sh
bash scripts/ensure-docker.sh
bash scripts/raise-inotify-limit.sh
export TESTCONTAINERS_RYUK_DISABLED=true
echo "demo: building the test host images from docker/ (the first time takes a few minutes)" >&2
bash docker/build-images.sh debian-ufw >/dev/null
exec node dist/scripts/demo.js
