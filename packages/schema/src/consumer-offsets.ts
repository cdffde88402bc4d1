/**
 * Every SQL statement on `consumer_offsets`, the shard-side progress of each topic-partition: the next
 * offset to apply and the topic incarnation (Kafka topic id) it counts in. The row is written in the
 * same transaction as the rows it covers, so after a crash, a restore or a failover the shard says
 * exactly where to resume (docs/adr/004-exactly-once.md). The consumer runs them
 * (services/consumer/src/offsets.ts); the chunk write (purchase-writes.ts) advances `next_offset` in
 * the same statement as the rows, with `advanceNextOffset`.
 */

/** `next_offset` never goes back: a replayed chunk leaves it where a later one put it. */
export function advanceNextOffset(topic: string, partition: string, nextOffset: string): string {
  return `UPDATE consumer_offsets SET next_offset = GREATEST(next_offset, ${nextOffset}::bigint), updated_at = now()
  WHERE topic = ${topic} AND kafka_partition = ${partition}`;
}

export const CONSUMER_OFFSETS_SQL = {
  /** Locks the partition's progress row (creating it at offset 0) for the rest of the transaction. */
  lockPartition: `
INSERT INTO consumer_offsets AS o (topic, kafka_partition, next_offset, topic_id) VALUES ($1, $2, 0, $3)
ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = o.next_offset
RETURNING next_offset, topic_id`,
  /** Records the incarnation on a row that has none yet (written before topic ids were stored). */
  adoptTopicId: `
UPDATE consumer_offsets SET topic_id = $3 WHERE topic = $1 AND kafka_partition = $2 AND topic_id IS NULL`,
  /** Sets the next offset only (a chunk with nothing new to insert): $1 topic, $2 partition, $3 offset. */
  advance: `
${advanceNextOffset('$1', '$2', '$3')}`,
  /** $1 topic, $2 the partitions. */
  readPartitions: `
SELECT kafka_partition, next_offset, topic_id FROM consumer_offsets
WHERE topic = $1 AND kafka_partition = ANY($2::int[])`,
  /** The operator's recovery: the partition counts in `topic_id` now, from `next_offset`. */
  acceptIncarnation: `
UPDATE consumer_offsets SET topic_id = $3, next_offset = $4, updated_at = now()
WHERE topic = $1 AND kafka_partition = $2`,
} as const;
