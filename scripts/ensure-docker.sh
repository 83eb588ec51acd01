#!/usr/bin/env bash
# Make sure a Docker engine responds, without the userland proxy.
# Run as root on a Debian-family machine with no engine, it installs Debian's
# docker.io and debootstrap and starts dockerd itself, saying each step.
set -euo pipefail

say() { printf 'certfleet setup: %s\n' "$*" >&2; }

engine_answers() { docker info >/dev/null 2>&1; }

if engine_answers; then
  if pgrep -af dockerd | grep -q -- '--userland-proxy=false'; then
    :
  elif docker info --format '{{json .}}' 2>/dev/null | grep -q '"userland-proxy":false'; then
    :
  else
    say "a Docker engine answers; if it runs with the userland proxy, a blocked port looks open to the tests (start dockerd with --userland-proxy=false)"
  fi
  exit 0
fi

is_debian_family() {
  [ -r /etc/os-release ] && grep -Eq '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release
}

if [ "$(id -u)" -ne 0 ] || ! is_debian_family; then
  say "no Docker engine answers (docker info failed)."
  say "start one (dockerd --userland-proxy=false), or run this as root on a Debian-family machine to install Debian's docker.io."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  say "no Docker engine found: installing Debian's docker.io and debootstrap with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q docker.io debootstrap >&2
fi

say "starting dockerd --userland-proxy=false (log: /var/log/dockerd.log)"
nohup dockerd --userland-proxy=false >/var/log/dockerd.log 2>&1 &

for _ in $(seq 1 60); do
  if engine_answers; then
    say "Docker engine is up"
    exit 0
  fi
  sleep 1
done
say "dockerd did not answer within 60 s; see /var/log/dockerd.log"
exit 1
