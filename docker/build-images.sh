#!/usr/bin/env bash
# Build the test host images from the files under docker/, each tagged by a hash
# of what builds it, so a changed Dockerfile is never served by a stale image and
# a second run on the same machine skips the slow steps.
# Prints one line per image, "NAME IMAGE:TAG", on stdout; progress goes to stderr.
# Usage: build-images.sh [NAME ...]   (default: every image)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

say() { printf 'certfleet images: %s\n' "$*" >&2; }

# Hash of every file in the given folders plus any extra strings.
hash_of() {
  local extra=$1
  shift
  {
    printf '%s\n' "$extra"
    find "$@" -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

build_rootfs() {
  local tag="certfleet-rootfs:$(hash_of bookworm base/packages.txt)"
  if ! image_exists "$tag"; then
    local rootfs
    rootfs=$(mktemp -d /var/tmp/certfleet-rootfs.XXXXXX)
    say "debootstrap of Debian 12 into $rootfs (about a minute)"
    debootstrap --variant=minbase --include="$(paste -sd, base/packages.txt)" \
      bookworm "$rootfs" http://deb.debian.org/debian >&2
    say "importing $tag"
    tar -C "$rootfs" -c . | docker import - "$tag" >&2
    rm -rf "$rootfs"
  fi
  echo "$tag"
}

build_from() {
  local name=$1 parent_arg=$2 parent=$3
  local tag="certfleet-$name:$(hash_of "$parent" "$name")"
  if ! image_exists "$tag"; then
    say "building $tag"
    docker build -q --build-arg "$parent_arg=$parent" -t "$tag" "$name" >&2
  fi
  echo "$tag"
}

derived=(debian-ufw)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(base "${derived[@]}")

rootfs=$(build_rootfs)
base=$(build_from base ROOTFS_IMAGE "$rootfs")
for name in "${wanted[@]}"; do
  case "$name" in
    base) echo "base $base" ;;
    *)
      [ -d "$name" ] || { say "no image folder docker/$name"; exit 1; }
      echo "$name $(build_from "$name" BASE_IMAGE "$base")"
      ;;
  esac
done
