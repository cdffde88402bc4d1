#!/usr/bin/env bash
# The Docker engine for the container tier (compose, images, testcontainers).
#
#   bash deploy/docker/engine.sh start    # install docker.io when missing; start dockerd unless an engine answers
#   bash deploy/docker/engine.sh stop     # stop dockerd only if `start` started it
#   bash deploy/docker/engine.sh status   # exit 0 when an engine answers
#
# `start` also builds and installs the pinned Compose v2 plugin (deploy/docker/install-compose.sh) when
# `docker compose` is missing. It always talks to the engine with Debian's CLI, /usr/bin/docker: a newer
# CLI elsewhere on PATH may refuse BuildKit builds without the buildx plugin.
#
# dockerd runs with runc and overlay2, publishes ports without an explicit address on 127.0.0.1 only
# (--ip; compose names 127.0.0.1 itself, and test containers publish ports without one), logs to ${STATE_DIR}/dockerd.log, and its pid is recorded in
# ${STATE_DIR}/dockerd.pid: that file is how `stop` knows the engine is ours. An engine that was already
# running (a systemd unit, another session) is used and never stopped.
set -euo pipefail

CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
STATE_DIR="${TILLSTREAM_ENGINE_STATE_DIR:-${CACHE_DIR}/engine}"
DOCKER=/usr/bin/docker
here="$(cd "$(dirname "$0")" && pwd)"

log() { printf '[engine] %s\n' "$*" >&2; }

answers() {
  [[ -x "${DOCKER}" ]] && timeout 30 "${DOCKER}" info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

install_packages() {
  local missing=()
  [[ -x /usr/sbin/dockerd && -x "${DOCKER}" ]] || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v iptables >/dev/null || missing+=(iptables)
  ((${#missing[@]} == 0)) && return 0
  if [[ "$(id -u)" -ne 0 ]]; then
    log "missing Debian packages: ${missing[*]} (run as root to install them)"
    exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

start() {
  install_packages
  if answers; then
    log "an engine already answers: $("${DOCKER}" info --format '{{.ServerVersion}} ({{.Driver}})')"
  else
    if [[ "$(id -u)" -ne 0 ]]; then
      log "no Docker engine answers and starting dockerd needs root"
      exit 1
    fi
    mkdir -p "${STATE_DIR}"
    log "starting dockerd (log: ${STATE_DIR}/dockerd.log)"
    # setsid: the engine outlives the shell that started it (make, CI) until `stop`.
    setsid /usr/sbin/dockerd --storage-driver=overlay2 --default-runtime=runc --ip=127.0.0.1 \
      --pidfile="${STATE_DIR}/dockerd.pid" >>"${STATE_DIR}/dockerd.log" 2>&1 </dev/null &
    local deadline=$((SECONDS + 60))
    until answers; do
      if ((SECONDS >= deadline)); then
        log "dockerd did not answer within 60 s; last lines of its log:"
        tail -n 20 "${STATE_DIR}/dockerd.log" >&2
        exit 1
      fi
      sleep 0.5
    done
    log "dockerd $("${DOCKER}" info --format '{{.ServerVersion}} ({{.Driver}})') is up, pid $(cat "${STATE_DIR}/dockerd.pid")"
  fi
  bash "${here}/install-compose.sh" >/dev/null
}

stop() {
  local pidfile="${STATE_DIR}/dockerd.pid" pid
  if [[ ! -f "${pidfile}" ]]; then
    log "no engine started by this script; nothing to stop"
    return 0
  fi
  pid="$(cat "${pidfile}")"
  if ! kill -0 "${pid}" 2>/dev/null || [[ "$(cat "/proc/${pid}/comm" 2>/dev/null)" != dockerd ]]; then
    log "dockerd ${pid} is gone"
    rm -f "${pidfile}"
    return 0
  fi
  log "stopping dockerd ${pid} (it stops its containers and its containerd)"
  kill -TERM "${pid}"
  local deadline=$((SECONDS + 60))
  while kill -0 "${pid}" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "dockerd ${pid} did not stop within 60 s"
      exit 1
    fi
    sleep 0.5
  done
  rm -f "${pidfile}"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
