#!/usr/bin/env bash
# The container tier of `make test` (also `make test-containers`):
#   1. the images (deploy/docker/images.sh: stand-ins where no registry answers, then our three images);
#   2. the compose tier: docker-compose.yml under load, kills, Prometheus targets, a misconfiguration that
#      must be caught, compose down (deploy/compose/test/compose.containers.test.ts);
#   3. the consumer and store integration suites on Testcontainers (STACK_RUNTIME=containers: one Kafka
#      and four PostgreSQL containers from the same images, started once and shared by every file), with
#      Ryuk disabled and the harness cleaning up;
#   4. a sweep of the shared set and of any container a killed test process left.
# CONTAINERS=auto (default) runs it when a Docker engine answers and says so when none does; CONTAINERS=1
# fails without an engine (CI: start one first with `bash deploy/docker/engine.sh start`); CONTAINERS=0
# skips it.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "${root}"
mode="${CONTAINERS:-auto}"
log() { printf '[container tier] %s\n' "$*" >&2; }

case "${mode}" in
  0 | off | false) log "skipped (CONTAINERS=${mode})"; exit 0 ;;
  1 | on | true | auto) ;;
  *) log "CONTAINERS must be auto, 1 or 0, not ${mode}"; exit 2 ;;
esac
if ! bash deploy/docker/engine.sh status; then
  if [[ "${mode}" == auto ]]; then
    log "no Docker engine answers: skipped (start one with bash deploy/docker/engine.sh start; CONTAINERS=1 makes this an error)"
    exit 0
  fi
  log "no Docker engine answers (bash deploy/docker/engine.sh start)"
  exit 1
fi

started=${SECONDS}
rc=0
bash deploy/docker/images.sh || rc=$?
log "images: $((SECONDS - started)) s"
if ((rc == 0)); then
  step=${SECONDS}
  node scripts/run-tests.mjs containers || rc=$?
  log "compose tier: $((SECONDS - step)) s"
fi
if ((rc == 0)); then
  step=${SECONDS}
  # One container set for every file, as the native stack is shared (each test has its own topics,
  # groups and databases); the sweep below removes it.
  shared_state="$(mktemp)"
  export TESTCONTAINERS_RYUK_DISABLED=true STACK_RUNTIME=containers STACK_CONTAINERS_STATE="${shared_state}"
  node stack/dist/cli.js containers-up || rc=$?
  log "Testcontainers set (Kafka and the shards) started: $((SECONDS - step)) s"
  if ((rc == 0)); then
    node scripts/run-tests.mjs int services/consumer services/store || rc=$?
  fi
  rm -f "${shared_state}"
  unset STACK_CONTAINERS_STATE
  log "consumer and store integration suites on Testcontainers: $((SECONDS - step)) s"
fi
# The shared set and whatever a killed test process left (the harness labels every container it starts).
leftover="$(/usr/bin/docker ps --all --quiet --filter label=dev.tillstream.harness)"
if [[ -n "${leftover}" ]]; then
  log "removing $(wc -l <<<"${leftover}") harness containers"
  # shellcheck disable=SC2086 # one id per word
  /usr/bin/docker rm --force --volumes ${leftover} >/dev/null
fi
log "done in $((SECONDS - started)) s (exit ${rc})"
exit "${rc}"
