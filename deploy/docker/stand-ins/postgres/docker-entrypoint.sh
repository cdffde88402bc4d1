#!/usr/bin/env bash
# The part of the official postgres image's entrypoint contract that tillstream's compose file and
# Kubernetes manifests rely on, written for the stand-in:
#  - `docker-entrypoint.sh postgres [-c …]` (or just options): run as root, it prepares PGDATA and
#    /var/run/postgresql and re-executes itself as postgres (uid 999); run as uid 999, it starts directly.
#  - An empty PGDATA is initialised with initdb (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_INITDB_ARGS),
#    pg_hba.conf gets `host all all all <POSTGRES_HOST_AUTH_METHOD or scram-sha-256>`, POSTGRES_DB is
#    created, and /docker-entrypoint-initdb.d/*.sh (run or sourced), *.sql and *.sql.gz are applied by a
#    temporary server that listens on the Unix socket only, so no client connects before they are done.
#  - The server then replaces this script (exec), listening on every address.
# Any other command runs as given.
set -Eeuo pipefail

if [[ "${1:0:1}" == '-' ]]; then
  set -- postgres "$@"
fi
if [[ "$1" != postgres ]]; then
  exec "$@"
fi

if [[ "$(id -u)" == 0 ]]; then
  mkdir -p "${PGDATA}"
  chmod 00700 "${PGDATA}" || :
  chown -R postgres: "${PGDATA}"
  mkdir -p /var/run/postgresql
  chmod 03775 /var/run/postgresql
  chown -R postgres: /var/run/postgresql
  exec gosu postgres "${BASH_SOURCE[0]}" "$@"
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=${POSTGRES_USER}}"
export POSTGRES_USER POSTGRES_DB

if [[ ! -s "${PGDATA}/PG_VERSION" ]]; then
  if [[ -z "${POSTGRES_PASSWORD:-}" && "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]]; then
    cat >&2 <<'MESSAGE'
Error: Database is uninitialized and superuser password is not specified.
       Set POSTGRES_PASSWORD to a non-empty value for the superuser, or
       POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password (not recommended).
MESSAGE
    exit 1
  fi
  mkdir -p "${PGDATA}"
  chmod 00700 "${PGDATA}"
  # initdb reads the password from a file descriptor, never from the command line.
  # shellcheck disable=SC2086
  initdb --username="${POSTGRES_USER}" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") ${POSTGRES_INITDB_ARGS:-}
  auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  printf '\nhost all all all %s\n' "${auth}" >>"${PGDATA}/pg_hba.conf"

  export PGPASSWORD="${POSTGRES_PASSWORD:-}"
  pg_ctl -D "${PGDATA}" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
  psql=(psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --no-password --no-psqlrc)
  if [[ "${POSTGRES_DB}" != postgres ]]; then
    "${psql[@]}" --dbname postgres --set db="${POSTGRES_DB}" <<<'CREATE DATABASE :"db" ;'
  fi
  for file in /docker-entrypoint-initdb.d/*; do
    [[ -e "${file}" ]] || continue
    case "${file}" in
      *.sh)
        if [[ -x "${file}" ]]; then
          echo "running ${file}"
          "${file}"
        else
          echo "sourcing ${file}"
          # shellcheck disable=SC1090
          . "${file}"
        fi
        ;;
      *.sql) echo "running ${file}"; "${psql[@]}" --dbname "${POSTGRES_DB}" -f "${file}" ;;
      *.sql.gz) echo "running ${file}"; gunzip -c "${file}" | "${psql[@]}" --dbname "${POSTGRES_DB}" ;;
      *) echo "ignoring ${file}" ;;
    esac
  done
  pg_ctl -D "${PGDATA}" -m fast -w stop
  unset PGPASSWORD
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
