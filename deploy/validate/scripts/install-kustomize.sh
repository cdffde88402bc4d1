#!/usr/bin/env bash
# Builds kustomize from the Go module proxy into the cache, once: ~/.cache/tillstream/kustomize-<version>/kustomize.
# Idempotent: does nothing when that binary exists. Prints its path. Run by the prerequisites step of
# `make test` (scripts/prerequisites.mjs) and by the tests (deploy/validate/src/kustomize.ts), so both get
# the same pinned version.
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
BIN_DIR="${CACHE_DIR}/kustomize-${KUSTOMIZE_VERSION}"
KUSTOMIZE="${BIN_DIR}/kustomize"

if [ -x "${KUSTOMIZE}" ]; then
  echo "${KUSTOMIZE}"
  exit 0
fi

# A Go new enough for the module (scripts/ensure-go.sh finds one, or fetches the pinned release).
GO="$(bash "$(dirname "$0")/../../../scripts/ensure-go.sh")"

mkdir -p "${BIN_DIR}"
# Outside any module, so the repository's files play no part; the Go caches live outside the repo too.
(cd "${BIN_DIR}" && GOBIN="${BIN_DIR}" GOFLAGS=-mod=mod "${GO}" install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}") >&2
echo "${KUSTOMIZE}"
