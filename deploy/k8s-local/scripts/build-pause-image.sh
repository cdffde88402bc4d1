#!/usr/bin/env bash
# Builds the local cluster's sandbox ("pause") image as an OCI archive, once:
#   ~/.cache/tillstream/k8s-local/pause-<tag>.oci.tar   (image name tillstream.local/pause:<tag>)
# One layer holding a static binary (../pause/main.go) that sleeps until SIGTERM; no base image, no registry.
# Idempotent: prints the archive's path, building it only when missing.
set -euo pipefail

PAUSE_TAG="${PAUSE_TAG:-1}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}/k8s-local"
ARCHIVE="${CACHE_DIR}/pause-${PAUSE_TAG}.oci.tar"
SOURCE_DIR="$(cd "$(dirname "$0")/../pause" && pwd)"

if [ -f "${ARCHIVE}" ]; then
  echo "${ARCHIVE}"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
mkdir -p "${work}/rootfs" "${work}/oci/blobs/sha256" "${CACHE_DIR}"
(cd "${SOURCE_DIR}" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w" -o "${work}/rootfs/pause" .)

blob() { # blob FILE -> stores FILE as a blob, prints "<digest> <size>"
  local digest size
  digest="$(sha256sum "$1" | cut -d' ' -f1)"
  size="$(stat -c %s "$1")"
  cp "$1" "${work}/oci/blobs/sha256/${digest}"
  echo "${digest} ${size}"
}

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "${work}/rootfs" -cf "${work}/layer.tar" pause
read -r layer_digest layer_size < <(blob "${work}/layer.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "${layer_digest}" >"${work}/config.json"
read -r config_digest config_size < <(blob "${work}/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "${config_digest}" "${config_size}" "${layer_digest}" "${layer_size}" >"${work}/manifest.json"
read -r manifest_digest manifest_size < <(blob "${work}/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"tillstream.local/pause:%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "${manifest_digest}" "${manifest_size}" "${PAUSE_TAG}" "${PAUSE_TAG}" >"${work}/oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"${work}/oci/oci-layout"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "${work}/oci" -cf "${ARCHIVE}.tmp" .
mv "${ARCHIVE}.tmp" "${ARCHIVE}"
echo "${ARCHIVE}"
