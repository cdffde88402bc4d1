#!/usr/bin/env bash
# make env: the .env that docker-compose.yml reads. Creates it from .env.example when there is none, and
# generates PURCHASE_API_KEYS when it is missing or empty; a value already set is never changed. The file
# is private (0600) and git-ignored. ENV_FILE=… writes another file (e.g. for a second project).
set -euo pipefail
cd "$(dirname "$0")/../.."
env_file="${ENV_FILE:-.env}"
umask 077

if [ ! -f "${env_file}" ]; then
  cp .env.example "${env_file}"
  echo "created ${env_file} from .env.example: set POSTGRES_PASSWORD and GRAFANA_ADMIN_PASSWORD there"
fi
chmod 600 "${env_file}"

current="$(sed -n 's/^[[:space:]]*PURCHASE_API_KEYS[[:space:]]*=[[:space:]]*//p' "${env_file}" | tail -n 1)"
if [ -z "${current}" ]; then
  # 32 random bytes, base64url: header-safe, no comma (the key list's separator).
  key="tsk_$(head -c 32 /dev/urandom | base64 -w 0 | tr '+/' '-_' | tr -d '=')"
  if grep -q '^[[:space:]]*PURCHASE_API_KEYS[[:space:]]*=' "${env_file}"; then
    sed -i "s|^[[:space:]]*PURCHASE_API_KEYS[[:space:]]*=.*|PURCHASE_API_KEYS=${key}|" "${env_file}"
  else
    printf 'PURCHASE_API_KEYS=%s\n' "${key}" >>"${env_file}"
  fi
  echo "generated PURCHASE_API_KEYS in ${env_file} (clients send Authorization: Bearer <key>)"
fi
