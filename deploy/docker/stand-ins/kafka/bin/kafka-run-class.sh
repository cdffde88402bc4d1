#!/usr/bin/env bash
# Runs a Kafka main class with the image's jars: kafka-run-class.sh [-name <n>] [-loggc] <class> [args…].
# Honours the variables of the distribution's script: KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS,
# KAFKA_GC_LOG_OPTS (ignored), KAFKA_JMX_OPTS (+ JMX_PORT), KAFKA_LOG4J_OPTS, KAFKA_OPTS, JAVA_HOME.
set -euo pipefail
base_dir="$(cd "$(dirname "$0")/.." && pwd)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    -name) shift 2 ;;
    -loggc | -daemon) shift ;;
    *) break ;;
  esac
done
java="${JAVA_HOME:+${JAVA_HOME}/bin/}java"
jmx="${KAFKA_JMX_OPTS:--Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false}"
[[ -n "${JMX_PORT:-}" ]] && jmx="${jmx} -Dcom.sun.management.jmxremote.port=${JMX_PORT}"
# Word splitting of the *_OPTS variables is intended: each holds several JVM options.
# shellcheck disable=SC2086
exec "${java}" ${KAFKA_HEAP_OPTS:--Xmx256M} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true} \
  ${jmx} -Dkafka.logs.dir="${LOG_DIR:-${base_dir}/logs}" \
  ${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:${base_dir}/config/tools-log4j.properties} \
  ${KAFKA_OPTS:-} -cp "${base_dir}/libs/*" "$@"
