#!/bin/sh
# As the official image: files in /docker-entrypoint.d/ run (*.sh) before nginx starts, unless the
# command is not nginx. The official image's own scripts there (templates, IPv6 listen tuning, worker
# autotune) are not part of the stand-in.
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  for script in /docker-entrypoint.d/*.sh; do
    [ -x "${script}" ] && "${script}"
  done
fi
exec "$@"
