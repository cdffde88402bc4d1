#!/usr/bin/env bash
# The init container of the services that use Kafka (purchase, consumer): waits until the kafka-topics Job
# has created KAFKA_TOPIC with at least KAFKA_PARTITIONS partitions, so a service starts against a ready
# topic instead of crash-looping while Kafka forms its quorum. Runs in the apache/kafka image.
set -euo pipefail

bootstrap="${KAFKA_BOOTSTRAP:?KAFKA_BOOTSTRAP is required (host:port of the brokers)}"
topic="${KAFKA_TOPIC:?KAFKA_TOPIC is required}"
partitions="${KAFKA_PARTITIONS:-1}"

count=0
until count="$(/opt/kafka/bin/kafka-topics.sh --bootstrap-server "${bootstrap}" --describe --topic "${topic}" 2>/dev/null |
  grep -c 'Partition: ')" && [ "${count}" -ge "${partitions}" ]; do
  echo "waiting for topic ${topic}: ${count:-0} of ${partitions} partitions"
  sleep 5
done
echo "topic ${topic} has ${count} partitions"
