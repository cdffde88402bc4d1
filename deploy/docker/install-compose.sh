#!/usr/bin/env bash
# Docker Compose v2 (the `docker compose` CLI plugin the docs use). Debian bookworm ships only the
# Python docker-compose 1.x, so the pinned github.com/docker/compose/v2 is built from the Go module proxy
# into ~/.cache/tillstream/compose-<version>/docker-compose, once, and linked into ~/.docker/cli-plugins/.
# Idempotent; prints the plugin's path. A `docker compose` that already works is left alone.
# `go install …@version` refuses the module (its go.mod has exclude directives), so it is built inside
# the downloaded module instead, as deploy/prometheus/install-promtool.sh builds promtool.
set -euo pipefail

COMPOSE_VERSION="${COMPOSE_VERSION:-v2.40.3}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
BIN="${CACHE_DIR}/compose-${COMPOSE_VERSION}/docker-compose"
PLUGIN_DIR="${DOCKER_CONFIG:-${HOME}/.docker}/cli-plugins"

if /usr/bin/docker compose version >/dev/null 2>&1 && [[ ! -L "${PLUGIN_DIR}/docker-compose" ]]; then
  # Someone else's Compose v2 (a distribution package, Docker Desktop): use it.
  echo "docker compose $(/usr/bin/docker compose version --short) (already installed)"
  exit 0
fi

if [[ ! -x "${BIN}" ]]; then
  # A Go new enough for the module first on PATH (scripts/ensure-go.sh finds one, or fetches the pinned release).
  go_bin="$(bash "$(cd "$(dirname "$0")/../.." && pwd)/scripts/ensure-go.sh")"
  PATH="$(dirname "${go_bin}"):${PATH}"
  export PATH
  echo "building Docker Compose ${COMPOSE_VERSION} from the Go module proxy (a few minutes, once)" >&2
  module_dir="$(go mod download -json "github.com/docker/compose/v2@${COMPOSE_VERSION}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "${module_dir}" ]] || { echo "could not download github.com/docker/compose/v2@${COMPOSE_VERSION}" >&2; exit 1; }
  mkdir -p "$(dirname "${BIN}")"
  # Low priority: the build takes minutes and the machine may be busy with other work.
  (cd "${module_dir}" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=${COMPOSE_VERSION}" \
    -o "${BIN}.partial" ./cmd) >&2
  mv "${BIN}.partial" "${BIN}"
fi

mkdir -p "${PLUGIN_DIR}"
ln -sfn "${BIN}" "${PLUGIN_DIR}/docker-compose"
echo "${PLUGIN_DIR}/docker-compose"
