#!/usr/bin/env bash
# Describes and alters dynamic configs (kafka.admin.ConfigCommand).
exec "$(dirname "$0")/kafka-run-class.sh" kafka.admin.ConfigCommand "$@"
