#!/usr/bin/env bash
# kafka-server-start.sh <server.properties> [--override k=v …]
set -euo pipefail
base_dir="$(cd "$(dirname "$0")/.." && pwd)"
[[ $# -ge 1 ]] || { echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2; exit 1; }
[[ "$1" == -daemon ]] && shift
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:${base_dir}/config/log4j.properties}"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
exec "${base_dir}/bin/kafka-run-class.sh" -name kafkaServer kafka.Kafka "$@"
