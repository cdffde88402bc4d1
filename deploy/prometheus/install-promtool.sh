#!/usr/bin/env bash
# Builds an upstream promtool (all service discoveries, Kubernetes included) from the Go module proxy
# into ~/.cache/tillstream/promtool-v<version>/promtool. Debian's promtool cannot check
# prometheus-k8s.yml because its build leaves out kubernetes_sd_configs; the tests use this one for it.
# `go install …@version` refuses the module (its go.mod has replace directives), so it is built inside
# the downloaded module instead.
set -euo pipefail

version="${PROMTOOL_VERSION:-2.53.3}"
module_version="v0.${version#2.}"
dest="${HOME}/.cache/tillstream/promtool-v${version}"

if [[ -x "${dest}/promtool" ]]; then
  echo "promtool ${version} already built: ${dest}/promtool"
  exit 0
fi
# A Go new enough for the module (scripts/ensure-go.sh finds one, or fetches the pinned release).
go="$(bash "$(dirname "$0")/../../scripts/ensure-go.sh")"

mkdir -p "${dest}"
module_dir="$("${go}" mod download -json "github.com/prometheus/prometheus@${module_version}" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -n "${module_dir}" ]] || { echo "could not download github.com/prometheus/prometheus@${module_version}" >&2; exit 1; }

cd "${module_dir}"
# At low priority: the build is long, and a developer's machine may be busy with other work.
GOFLAGS="-buildvcs=false -mod=mod" nice -n 10 "${go}" build -o "${dest}/promtool" ./cmd/promtool
"${dest}/promtool" --version
