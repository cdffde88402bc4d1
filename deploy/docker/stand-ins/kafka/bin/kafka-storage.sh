#!/usr/bin/env bash
# Formats and inspects KRaft storage (kafka.tools.StorageTool).
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
