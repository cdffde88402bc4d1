#!/usr/bin/env bash
# Builds kustomize from the Go module proxy into the cache, once: ~/.cache/tillstream/kustomize-<version>/kustomize.
# Idempotent: does nothing when that binary exists. Prints its path. Used by .ci/run and by the tests
# (deploy/validate/src/kustomize.ts), so both get the same pinned version.
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
BIN_DIR="${CACHE_DIR}/kustomize-${KUSTOMIZE_VERSION}"
KUSTOMIZE="${BIN_DIR}/kustomize"

if [ -x "${KUSTOMIZE}" ]; then
  echo "${KUSTOMIZE}"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "kustomize ${KUSTOMIZE_VERSION} is not built and Go is not installed (apt-get install golang-go, or Go from go.dev)" >&2
  exit 1
fi

mkdir -p "${BIN_DIR}"
# Outside any module, so the repository's files play no part; the Go caches live outside the repo too.
(cd "${BIN_DIR}" && GOBIN="${BIN_DIR}" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}") >&2
echo "${KUSTOMIZE}"
