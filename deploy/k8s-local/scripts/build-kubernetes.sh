#!/usr/bin/env bash
# Builds Kubernetes commands from the Go module proxy into the cache, once:
#   ~/.cache/tillstream/kubernetes-<version>/bin/<command>
# Usage: build-kubernetes.sh [command ...]   (default: kube-apiserver kubectl)
# Idempotent: builds only the commands whose binary is missing, prints the bin directory.
#
# The k8s.io/kubernetes module zip leaves out its staging/ modules (its go.mod maps them to ./staging), so
# the commands are built from a small wrapper module that requires k8s.io/kubernetes and replaces each staging
# module with its published v0.<minor>.<patch> release: the usual way k8s.io/kubernetes is used as a library.
# The version is stamped as hack/lib/version.sh does; unstamped, a server reports v0.0.0-master and kubectl
# cannot parse it.
set -euo pipefail

KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.34.4}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
ROOT="${CACHE_DIR}/kubernetes-${KUBERNETES_VERSION}"
BIN_DIR="${ROOT}/bin"
WRAPPER="${ROOT}/wrapper"

if [ "$#" -eq 0 ]; then
  set -- kube-apiserver kubectl
fi

missing=()
for command in "$@"; do
  case "${command}" in
    kube-apiserver | kube-controller-manager | kube-scheduler | kubelet | kube-proxy | kubectl) ;;
    *)
      echo "unknown command ${command} (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl)" >&2
      exit 2
      ;;
  esac
  [ -x "${BIN_DIR}/${command}" ] || missing+=("${command}")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "${BIN_DIR}"
  exit 0
fi

# A Go new enough for the module first on PATH (scripts/ensure-go.sh finds one, or fetches the pinned release).
go_bin="$(bash "$(cd "$(dirname "$0")/../../.." && pwd)/scripts/ensure-go.sh")"
PATH="$(dirname "${go_bin}"):${PATH}"
export PATH

# v1.34.4 -> staging modules at v0.34.4
staging_version="v0.${KUBERNETES_VERSION#v1.}"
mkdir -p "${BIN_DIR}" "${WRAPPER}"
cd "${WRAPPER}"

if [ ! -f go.mod ]; then
  upstream_mod="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  go_directive="$(sed -n 's/^go //p' "${upstream_mod}")"
  {
    echo "module tillstream.local/kubernetes-build"
    echo
    echo "go ${go_directive}"
    echo
    echo "require k8s.io/kubernetes ${KUBERNETES_VERSION}"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\t\1 => \1 '"${staging_version}"'#p' "${upstream_mod}"
    echo ")"
  } >go.mod.new
  if ! grep -q 'k8s.io/apimachinery => ' go.mod.new; then
    echo "found no staging replacements in ${upstream_mod}" >&2
    exit 1
  fi
  mv go.mod.new go.mod
fi

build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
minor="${KUBERNETES_VERSION#v1.}"
minor="${minor%%.*}"
ldflags="-s -w"
for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${package}.gitVersion=${KUBERNETES_VERSION}"
  ldflags+=" -X ${package}.gitMajor=1 -X ${package}.gitMinor=${minor}"
  ldflags+=" -X ${package}.gitCommit=module-proxy -X ${package}.gitTreeState=clean"
  ldflags+=" -X ${package}.buildDate=${build_date}"
done

packages=()
for command in "${missing[@]}"; do
  if [ "${command}" = kubectl ]; then
    packages+=(k8s.io/kubernetes/cmd/kubectl)
  else
    packages+=("k8s.io/kubernetes/cmd/${command}")
  fi
done

echo "building ${missing[*]} (Kubernetes ${KUBERNETES_VERSION}) into ${BIN_DIR}" >&2
# Static, like the release binaries; one go build shares the compiled packages between commands.
CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" nice -n "${BUILD_NICE:-10}" \
  go build -trimpath -ldflags "${ldflags}" -o "${BIN_DIR}/" "${packages[@]}" >&2
echo "${BIN_DIR}"
