#!/usr/bin/env bash
# Each systemd test host uses inotify instances; with Linux's default of 128 only
# about 22 start. Raise the limit where we are root and it is lower.
set -euo pipefail
wanted=2048
current=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo "$wanted")
if [ "$current" -lt "$wanted" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "certfleet setup: raising fs.inotify.max_user_instances from $current to $wanted for the systemd test hosts" >&2
    sysctl -q -w fs.inotify.max_user_instances="$wanted"
  else
    echo "certfleet setup: fs.inotify.max_user_instances is $current; many test hosts may fail to start (as root: sysctl -w fs.inotify.max_user_instances=$wanted)" >&2
  fi
fi
