#!/usr/bin/env bash
# Starts one Kafka node of the StatefulSet in KRaft combined mode. The node id is the pod ordinal
# (kafka-2 → 2); the configuration is written to /tmp because the root filesystem is read-only.
# Environment: CLUSTER_ID, KAFKA_REPLICAS, POD_NAMESPACE, KAFKA_PARTITIONS, KAFKA_REPLICATION_FACTOR,
# KAFKA_MIN_INSYNC_REPLICAS (from the kafka-cluster and tillstream-settings ConfigMaps and the downward API).
set -euo pipefail

ordinal="${HOSTNAME##*-}"
if ! [[ "${ordinal}" =~ ^[0-9]+$ ]]; then
  echo "cannot derive a node id from HOSTNAME=${HOSTNAME}" >&2
  exit 1
fi
: "${CLUSTER_ID:?}" "${KAFKA_REPLICAS:?}" "${POD_NAMESPACE:?}"
domain="kafka-headless.${POD_NAMESPACE}.svc"

voters=""
for ((i = 0; i < KAFKA_REPLICAS; i++)); do
  voters="${voters:+${voters},}${i}@kafka-${i}.${domain}:9093"
done

config_dir=/tmp/kafka-config
mkdir -p "${config_dir}"
cat >"${config_dir}/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=${ordinal}
controller.quorum.voters=${voters}
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=PLAINTEXT://${HOSTNAME}.${domain}:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=/var/lib/kafka/data/logs
auto.create.topics.enable=false
num.partitions=${KAFKA_PARTITIONS:-12}
default.replication.factor=${KAFKA_REPLICATION_FACTOR:-3}
min.insync.replicas=${KAFKA_MIN_INSYNC_REPLICAS:-2}
offsets.topic.replication.factor=${KAFKA_REPLICATION_FACTOR:-3}
transaction.state.log.replication.factor=${KAFKA_REPLICATION_FACTOR:-3}
transaction.state.log.min.isr=${KAFKA_MIN_INSYNC_REPLICAS:-2}
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPERTIES

# Log to stdout only (kubectl logs) with the image's own container logging configuration, which the
# apache/kafka image ships under /etc/kafka/docker (its /opt/kafka/config copy also writes files).
if [ -z "${KAFKA_LOG4J_OPTS:-}" ] && [ -f /etc/kafka/docker/log4j.properties ]; then
  export KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:/etc/kafka/docker/log4j.properties"
fi

# Formats the volume on first start only; a formatted volume keeps its data and cluster id.
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "${CLUSTER_ID}" \
  --config "${config_dir}/server.properties"
exec /opt/kafka/bin/kafka-server-start.sh "${config_dir}/server.properties"
