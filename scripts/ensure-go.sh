#!/usr/bin/env bash
# Prints the path of a Go toolchain new enough for the builds the project makes from the Go module proxy
# (kustomize, promtool, the compose plugin, Kubernetes). Looks, in order, at `go` on PATH,
# /usr/local/go/bin/go and the cached toolchain; when none is new enough, it downloads the pinned release
# through the module proxy as the module golang.org/toolchain (the Go project's own packaging of its
# releases, the one `GOTOOLCHAIN` switching uses), with whatever older `go` there is (Debian's golang-go)
# as the downloader, into ~/.cache/tillstream/go-<version>/.
set -euo pipefail

GO_MIN="${GO_MIN:-1.24}"
GO_PINNED="${GO_PINNED:-1.25.14}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
CACHED="${CACHE_DIR}/go-${GO_PINNED}"

# `go env GOVERSION` is go1.X.Y; true when it is at least GO_MIN.
new_enough() {
  local have
  have="$("$1" env GOVERSION 2>/dev/null | sed 's/^go//')" || return 1
  [ -n "${have}" ] || return 1
  [ "$(printf '%s\n%s\n' "${GO_MIN}" "${have}" | sort -V | head -n1)" = "${GO_MIN}" ]
}

candidates=()
if command -v go >/dev/null 2>&1; then candidates+=("$(command -v go)"); fi
candidates+=(/usr/local/go/bin/go "${CACHED}/bin/go")
for go in "${candidates[@]}"; do
  if [ -x "${go}" ] && new_enough "${go}"; then
    echo "${go}"
    exit 0
  fi
done

downloader=""
for go in "${candidates[@]}"; do
  if [ -x "${go}" ]; then
    downloader="${go}"
    break
  fi
done
if [ -z "${downloader}" ]; then
  echo "no Go toolchain: install Debian's golang-go (apt-get install golang-go); Go ${GO_PINNED} is then fetched from the module proxy" >&2
  exit 1
fi

module="golang.org/toolchain@v0.0.1-go${GO_PINNED}.linux-amd64"
echo "fetching Go ${GO_PINNED} (${module}) with ${downloader}" >&2
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
dir="$(cd "${work}" && GOFLAGS=-mod=mod GO111MODULE=on "${downloader}" mod download -json "${module}" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "${dir}" ] || [ ! -f "${dir}/bin/go" ]; then
  echo "could not download ${module} from the module proxy" >&2
  exit 1
fi
mkdir -p "${CACHE_DIR}"
rm -rf "${CACHED}.partial"
cp -R "${dir}" "${CACHED}.partial"
# Module zips carry no file modes: make the toolchain's programs executable, as Go's own switching does.
chmod -R u+w "${CACHED}.partial"
find "${CACHED}.partial/bin" "${CACHED}.partial/pkg/tool" -type f -exec chmod 0755 {} +
mv "${CACHED}.partial" "${CACHED}"
new_enough "${CACHED}/bin/go" || {
  echo "${CACHED}/bin/go does not run" >&2
  exit 1
}
echo "${CACHED}/bin/go"
