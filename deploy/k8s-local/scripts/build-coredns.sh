#!/usr/bin/env bash
# Builds CoreDNS from its Go module into the cache, once: ~/.cache/tillstream/coredns-<version>/coredns.
# The local cluster runs it on the node address as the cluster DNS (kubernetes plugin, no upstream forward).
# Idempotent: prints the binary's path.
set -euo pipefail

COREDNS_VERSION="${COREDNS_VERSION:-v1.12.1}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
BIN_DIR="${CACHE_DIR}/coredns-${COREDNS_VERSION}"

if [ -x "${BIN_DIR}/coredns" ]; then
  echo "${BIN_DIR}/coredns"
  exit 0
fi
mkdir -p "${BIN_DIR}"
(cd "${BIN_DIR}" && CGO_ENABLED=0 GOBIN="${BIN_DIR}" GOFLAGS="-mod=mod -buildvcs=false" \
  nice -n "${BUILD_NICE:-10}" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@${COREDNS_VERSION}") >&2
echo "${BIN_DIR}/coredns"
