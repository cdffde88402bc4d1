#!/usr/bin/env bash
# Builds metrics-server from its Go module into the cache, once:
# ~/.cache/tillstream/metrics-server-<version>/metrics-server. The local cluster runs it on the node address
# as the metrics.k8s.io API (an APIService the API server proxies to), so the HPAs read pods' CPU.
# Idempotent: prints the binary's path.
set -euo pipefail

METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-v0.8.0}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
BIN_DIR="${CACHE_DIR}/metrics-server-${METRICS_SERVER_VERSION}"

if [ -x "${BIN_DIR}/metrics-server" ]; then
  echo "${BIN_DIR}/metrics-server"
  exit 0
fi
mkdir -p "${BIN_DIR}"
(cd "${BIN_DIR}" && CGO_ENABLED=0 GOBIN="${BIN_DIR}" GOFLAGS="-mod=mod -buildvcs=false" \
  nice -n "${BUILD_NICE:-10}" go install -trimpath \
  -ldflags "-s -w -X sigs.k8s.io/metrics-server/pkg/version.gitVersion=${METRICS_SERVER_VERSION}" \
  "sigs.k8s.io/metrics-server/cmd/metrics-server@${METRICS_SERVER_VERSION}") >&2
echo "${BIN_DIR}/metrics-server"
