import type pg from 'pg';
import { CONSUMER_OFFSETS_SQL } from '@tillstream/schema';
import { ConsumerError } from './errors.js';
import type { PartitionExpectation, StoredOffset } from './types.js';

/**
 * The consumer's reads and writes of `consumer_offsets`, with the checks that make them safe; the SQL
 * itself is in @tillstream/schema (consumer-offsets.ts), beside the chunk write that advances it.
 */
const {
  lockPartition: LOCK_PARTITION,
  adoptTopicId: ADOPT_TOPIC_ID,
  advance: ADVANCE,
  readPartitions: READ_PARTITIONS,
  acceptIncarnation: ACCEPT_INCARNATION,
} = CONSUMER_OFFSETS_SQL;

type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Locks the partition's row and returns its next offset, or refuses to apply anything:
 * - TOPIC_INCARNATION_MISMATCH when the row belongs to another incarnation of the topic (its offsets
 *   would skip the new topic's events as "already applied");
 * - SHARD_BEHIND when the shard has not applied everything before the consumer's position (applying
 *   from there would leave the gap behind for good).
 * Either way the transaction rolls back; the caller re-seeks or stops the partition.
 */
export async function lockPartitionOffset(
  db: Queryable,
  topic: string,
  partition: number,
  expect: PartitionExpectation = {},
): Promise<number> {
  const { rows } = await db.query<{ next_offset: string; topic_id: string | null }>(LOCK_PARTITION, [
    topic,
    partition,
    expect.topicId ?? null,
  ]);
  const row = rows[0]!;
  const stored = Number(row.next_offset);
  if (expect.topicId !== undefined) {
    if (row.topic_id === null) {
      await db.query(ADOPT_TOPIC_ID, [topic, partition, expect.topicId]);
    } else if (row.topic_id !== expect.topicId) {
      throw new ConsumerError(
        'TOPIC_INCARNATION_MISMATCH',
        `partition ${partition} of ${topic}: the shard's offsets belong to topic id ${row.topic_id}, the topic now has id ${expect.topicId} (deleted and created again?)`,
      );
    }
  }
  if (expect.position !== undefined && stored < expect.position) {
    throw new ConsumerError(
      'SHARD_BEHIND',
      `partition ${partition} of ${topic}: the shard has applied up to offset ${stored}, but the consumer is at ${expect.position}; re-reading from ${stored}`,
    );
  }
  return stored;
}

export async function advancePartitionOffset(
  db: Queryable,
  topic: string,
  partition: number,
  nextOffset: number,
): Promise<void> {
  await db.query(ADVANCE, [topic, partition, nextOffset]);
}

/** The stored progress of `partitions` (absent: the shard has applied nothing of that partition). */
export async function readPartitionOffsets(
  db: Queryable,
  topic: string,
  partitions: readonly number[],
): Promise<Map<number, StoredOffset>> {
  const { rows } = await db.query<{ kafka_partition: number; next_offset: string; topic_id: string | null }>(
    READ_PARTITIONS,
    [topic, partitions],
  );
  return new Map(
    rows.map((r) => [r.kafka_partition, { nextOffset: Number(r.next_offset), topicId: r.topic_id }]),
  );
}

export async function acceptIncarnation(
  db: Queryable,
  topic: string,
  partition: number,
  topicId: string | null,
  nextOffset: number,
): Promise<void> {
  await db.query(ACCEPT_INCARNATION, [topic, partition, topicId, nextOffset]);
}
