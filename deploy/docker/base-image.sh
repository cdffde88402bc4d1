#!/usr/bin/env bash
# A Debian base image for the stand-in images, without a registry:
#   bash deploy/docker/base-image.sh [suite] [--name-only]
# suite: bookworm (default), trixie or sid. Prints the image reference; --name-only prints it without
# building (the reference is a function of the inputs, so callers can key their own caches on it).
# `debootstrap --variant=minbase <suite>` from the Debian mirror apt already uses on this machine (read from
# apt's index targets, never hard-coded), then `docker import`. The root filesystem tarball is cached in
# ~/.cache/tillstream/rootfs/ and the image is tagged tillstream/debian-minbase:<suite>-<key>, where <key>
# hashes every input (suite, mirror, debootstrap version, the apt settings written below): a second run
# with the same inputs is a no-op, and a changed input builds a new one. Concurrent runs for the same
# key wait for each other (flock) instead of building twice.
set -euo pipefail

suite="${1:-bookworm}"
name_only="${2:-}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
DOCKER=/usr/bin/docker

log() { printf '[base-image] %s\n' "$*" >&2; }

# The archive URI apt uses for bookworm (deb822 or one-line sources alike). Other suites live in the same
# archive (the mirror serves every release), so the same URI is used for them.
# shellcheck disable=SC2016 # $(REPO_URI) is apt's format syntax, not the shell's
mirror="${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
  awk '$2 == "bookworm" { print $1; exit }')}"
[[ -n "${mirror}" ]] || { log "no Debian mirror found in apt's sources (set DEBIAN_MIRROR)"; exit 1; }

# apt inside the images: no recommends and no package cache left in layers, as the official Debian images
# do. Valid-Until is not enforced: a mirror may be a frozen snapshot whose unstable Release file has
# expired (the one this machine uses is), and the stand-ins are only ever built from it.
apt_settings='APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Check-Valid-Until "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };
'

key="$(printf '%s\n' "${suite}" minbase "${mirror}" "$(debootstrap --version)" "${apt_settings}" |
  sha256sum | cut -c1-12)"
image="tillstream/debian-minbase:${suite}-${key}"
if [[ "${name_only}" == --name-only ]]; then
  echo "${image}"
  exit 0
fi
if "${DOCKER}" image inspect "${image}" >/dev/null 2>&1; then
  echo "${image}"
  exit 0
fi

mkdir -p "${CACHE_DIR}/rootfs"
exec 9>"${CACHE_DIR}/rootfs/.${suite}-${key}.lock"
flock 9
tarball="${CACHE_DIR}/rootfs/debian-${suite}-minbase-${key}.tar"
if [[ ! -f "${tarball}" ]]; then
  command -v debootstrap >/dev/null || { log "debootstrap is not installed (apt-get install debootstrap)"; exit 1; }
  [[ "$(id -u)" -eq 0 ]] || { log "debootstrap needs root"; exit 1; }
  rootfs="$(mktemp -d "${CACHE_DIR}/rootfs/${suite}.XXXXXX")"
  # shellcheck disable=SC2317 # called by the EXIT trap
  cleanup() {
    # debootstrap mounts /proc in the target while it installs; never delete through a mount.
    if mountpoint -q "${rootfs}/proc"; then umount "${rootfs}/proc" || return 0; fi
    rm -rf "${rootfs}" "${tarball}.partial"
  }
  trap cleanup EXIT
  log "debootstrap --variant=minbase ${suite} from ${mirror} (about a minute, once)"
  nice -n 10 debootstrap --variant=minbase "${suite}" "${rootfs}" "${mirror}" >&2
  printf '%s' "${apt_settings}" >"${rootfs}/etc/apt/apt.conf.d/90tillstream"
  rm -rf "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/var/cache/apt/*.bin "${rootfs}"/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "${rootfs}" -cf "${tarball}.partial" .
  mv "${tarball}.partial" "${tarball}"
fi

if ! "${DOCKER}" image inspect "${image}" >/dev/null 2>&1; then
  log "importing ${tarball} as ${image}"
  "${DOCKER}" import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' "${tarball}" "${image}" >/dev/null
fi
echo "${image}"
