#!/usr/bin/env bash
# Lists the API versions each broker supports; the compose healthcheck calls it.
exec "$(dirname "$0")/kafka-run-class.sh" kafka.admin.BrokerApiVersionsCommand "$@"
