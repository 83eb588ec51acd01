#!/usr/bin/env bash
# The tests and the demo make keys and certificates with ssh-keygen and openssl.
# Where either is missing and this is root on a Debian-family machine, install it.
set -euo pipefail

missing=()
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "certfleet setup: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q "${missing[@]}" >&2
else
  echo "certfleet setup: ${missing[*]} missing; install them (ssh-keygen and openssl are needed)" >&2
  exit 1
fi
