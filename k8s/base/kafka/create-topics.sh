#!/usr/bin/env bash
# Creates the purchases topic and its dead-letter topic, idempotently; grows the partition count of an
# existing topic when KAFKA_PARTITIONS is larger (Kafka can add partitions, never remove them).
# Run by the compose `kafka-topics` service and the Kubernetes `kafka-topics` Job, inside the apache/kafka
# image. Environment (defaults match the native stack, stack/src/settings.ts):
#   KAFKA_BOOTSTRAP           host:port[,host:port…]       (required)
#   KAFKA_TOPIC               purchases
#   KAFKA_DLQ_TOPIC           purchases.dlq
#   KAFKA_PARTITIONS          12
#   KAFKA_DLQ_PARTITIONS      1     (dead letters are rare; order across them does not matter)
#   KAFKA_REPLICATION_FACTOR  3
#   KAFKA_MIN_INSYNC_REPLICAS 2
#   KAFKA_BIN_DIR             /opt/kafka/bin
#   KAFKA_WAIT_SECONDS        120   (how long to wait for the brokers to answer)
set -euo pipefail

bootstrap="${KAFKA_BOOTSTRAP:?KAFKA_BOOTSTRAP is required (host:port of the brokers)}"
topic="${KAFKA_TOPIC:-purchases}"
dlq_topic="${KAFKA_DLQ_TOPIC:-purchases.dlq}"
partitions="${KAFKA_PARTITIONS:-12}"
dlq_partitions="${KAFKA_DLQ_PARTITIONS:-1}"
replication="${KAFKA_REPLICATION_FACTOR:-3}"
min_isr="${KAFKA_MIN_INSYNC_REPLICAS:-2}"
bin_dir="${KAFKA_BIN_DIR:-/opt/kafka/bin}"
wait_seconds="${KAFKA_WAIT_SECONDS:-120}"

topics() {
  "${bin_dir}/kafka-topics.sh" --bootstrap-server "${bootstrap}" "$@"
}

deadline=$((SECONDS + wait_seconds))
until topics --list >/dev/null 2>&1; do
  if ((SECONDS >= deadline)); then
    echo "kafka at ${bootstrap} did not answer within ${wait_seconds}s" >&2
    exit 1
  fi
  sleep 2
done

# partition_count TOPIC → the current partition count, or nothing when the topic does not exist
# (kafka-topics.sh then exits non-zero, which must not end the script under errexit/pipefail).
partition_count() {
  local description
  description="$(topics --describe --topic "$1" 2>/dev/null)" || return 0
  sed -n 's/.*PartitionCount: *\([0-9][0-9]*\).*/\1/p' <<<"${description}" | head -n 1
}

ensure_topic() {
  local name="$1" wanted="$2" current
  current="$(partition_count "${name}")"
  if [[ -z "${current}" ]]; then
    topics --create --if-not-exists --topic "${name}" --partitions "${wanted}" \
      --replication-factor "${replication}" --config "min.insync.replicas=${min_isr}"
    echo "created ${name}: ${wanted} partitions, replication factor ${replication}, min.insync.replicas ${min_isr}"
  elif ((current < wanted)); then
    topics --alter --topic "${name}" --partitions "${wanted}"
    echo "grew ${name} from ${current} to ${wanted} partitions"
  elif ((current > wanted)); then
    echo "${name} has ${current} partitions, more than the ${wanted} asked for: Kafka cannot remove partitions" >&2
    exit 1
  else
    echo "${name} already has ${wanted} partitions"
  fi
}

ensure_topic "${topic}" "${partitions}"
ensure_topic "${dlq_topic}" "${dlq_partitions}"
