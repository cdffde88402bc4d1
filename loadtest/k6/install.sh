#!/usr/bin/env bash
# Builds k6 from the Go module proxy into the cache, once: ~/.cache/tillstream/k6-<version>/k6.
# Idempotent: does nothing when that binary exists and reports the pinned version. Prints its path.
set -euo pipefail

K6_VERSION="${K6_VERSION:-v1.8.1}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
BIN_DIR="${CACHE_DIR}/k6-${K6_VERSION}"
K6="${BIN_DIR}/k6"

if [ -x "${K6}" ] && "${K6}" version 2>/dev/null | grep -q "k6 ${K6_VERSION} "; then
  echo "${K6}"
  exit 0
fi

# The official Go distribution's default place, when it is not on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH="/usr/local/go/bin:${PATH}"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "k6 ${K6_VERSION} is not built and Go is not installed (k6 ${K6_VERSION} needs Go >= 1.25; Go >= 1.21 fetches that toolchain itself)" >&2
  exit 1
fi

mkdir -p "${BIN_DIR}"
echo "building k6 ${K6_VERSION} into ${BIN_DIR} (go install, a few minutes the first time)…" >&2
GOBIN="${BIN_DIR}" GOFLAGS="${GOFLAGS:-} -trimpath" go install "go.k6.io/k6@${K6_VERSION}" >&2
"${K6}" version >&2
echo "${K6}"
