#!/usr/bin/env bash
# Builds the test host images from the files under docker/. Each image is tagged
# by a hash of what builds it, so a changed Dockerfile never gets a stale image,
# and a second run on the same machine skips the slow steps.
# Prints one line per image, "NAME IMAGE:TAG", on stdout; progress goes to stderr.
# Usage: build-images.sh [NAME ...]   (default: base and every image in derived)
set -euo pipefail
# Bash applies set -e inside $(...) only with this option. Without it, a failed
# docker build in build_from goes unnoticed and the script prints a tag that was
# never built.
shopt -s inherit_errexit

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
    # Without --force-rm, the legacy builder keeps the container of a failed step.
    docker build -q --force-rm --build-arg "$parent_arg=$parent" -t "$tag" "$name" >&2
  fi
  echo "$tag"
}

# The test host images, each built from docker/NAME/Dockerfile. The rhel-* ones are
# stand-ins made from Debian packages (see README.md).
derived=(debian-ufw debian-ufw-disabled-nftables debian-nftables debian-iptables debian-none
  debian-tls10 debian-gunicorn rhel-firewalld rhel-firewalld-zone rhel-iptables)

# Images built on another image of this folder instead of base, so that shared
# files (the RHEL identity, the "no firewall" host) exist once. Each parent's tag
# is part of its child's hash, so a changed parent rebuilds its children too.
declare -A parent_of=(
  [debian-tls10]=debian-none
  [debian-gunicorn]=debian-none
  [rhel-firewalld]=rhel-standin
  [rhel-firewalld-zone]=rhel-firewalld
  [rhel-iptables]=rhel-standin
)

# Exits unless NAME is base or a folder of docker/ with a Dockerfile.
require_image_name() {
  local name=$1
  [ "$name" = base ] && return 0
  if [[ ! "$name" =~ ^[a-z0-9][a-z0-9-]*$ ]] || [ ! -f "$name/Dockerfile" ]; then
    say "unknown image $name: expected base or the name of a folder docker/NAME with a Dockerfile"
    exit 1
  fi
}

# Builds NAME after its parent, if it has one, and prints its image:tag.
build_named() {
  local name=$1 parent=$base
  require_image_name "$name"
  if [ -n "${parent_of[$name]:-}" ]; then
    parent=$(build_named "${parent_of[$name]}")
  fi
  build_from "$name" BASE_IMAGE "$parent"
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(base "${derived[@]}")
# Checked first, before the slow debootstrap step on a new machine.
for name in "${wanted[@]}"; do
  require_image_name "$name"
done

rootfs=$(build_rootfs)
base=$(build_from base ROOTFS_IMAGE "$rootfs")
for name in "${wanted[@]}"; do
  # Assigned first, so that a failed build stops the script (set -e) instead of
  # printing the name with an empty tag.
  if [ "$name" = base ]; then
    tag=$base
  else
    tag=$(build_named "$name")
  fi
  echo "$name $tag"
done
