#!/usr/bin/env bash
# Builds one Go command from the module proxy into the cache, once, and prints the binary's path:
# ~/.cache/tillstream/NAME-VERSION/NAME. Usage: go-install.sh NAME PACKAGE VERSION [EXTRA_LDFLAGS]
# (PACKAGE@VERSION is what `go install` builds; static, stripped, at nice BUILD_NICE, default 10).
set -euo pipefail

NAME="$1"
PACKAGE="$2"
VERSION="$3"
EXTRA_LDFLAGS="${4:-}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
BIN_DIR="${CACHE_DIR}/${NAME}-${VERSION}"

if [ -x "${BIN_DIR}/${NAME}" ]; then
  echo "${BIN_DIR}/${NAME}"
  exit 0
fi
mkdir -p "${BIN_DIR}"
(cd "${BIN_DIR}" && CGO_ENABLED=0 GOBIN="${BIN_DIR}" GOFLAGS="-mod=mod -buildvcs=false" \
  nice -n "${BUILD_NICE:-10}" go install -trimpath -ldflags "-s -w ${EXTRA_LDFLAGS}" "${PACKAGE}@${VERSION}") >&2
echo "${BIN_DIR}/${NAME}"
