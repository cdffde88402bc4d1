import type pg from 'pg';
import { ConsumerError } from './errors.js';

/**
 * Every statement on `consumer_offsets`, the shard-side progress of each topic-partition: the next
 * offset to apply and the topic incarnation (Kafka topic id) it counts in. The row is written in
 * the same transaction as the rows it covers, so after a crash, a restore or a failover the shard
 * says exactly where to resume (docs/adr/004-exactly-once.md).
 * (The chunk write in @tillstream/schema advances next_offset in the same statement as the rows.)
 */

/** Locks the partition's progress row (creating it at offset 0) for the rest of the transaction. */
const LOCK_PARTITION = `
INSERT INTO consumer_offsets AS o (topic, kafka_partition, next_offset, topic_id) VALUES ($1, $2, 0, $3)
ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = o.next_offset
RETURNING next_offset, topic_id`;

/** Records the incarnation on a row that has none yet (written before topic ids were stored). */
const ADOPT_TOPIC_ID = `
UPDATE consumer_offsets SET topic_id = $3 WHERE topic = $1 AND kafka_partition = $2 AND topic_id IS NULL`;

const ADVANCE = `
UPDATE consumer_offsets SET next_offset = GREATEST(next_offset, $3::bigint), updated_at = now()
WHERE topic = $1 AND kafka_partition = $2`;

const READ_PARTITIONS = `
SELECT kafka_partition, next_offset, topic_id FROM consumer_offsets
WHERE topic = $1 AND kafka_partition = ANY($2::int[])`;

/** The operator's recovery: the partition counts in `topic_id` now, from `next_offset`. */
const ACCEPT_INCARNATION = `
UPDATE consumer_offsets SET topic_id = $3, next_offset = $4, updated_at = now()
WHERE topic = $1 AND kafka_partition = $2`;

export interface StoredOffset {
  readonly nextOffset: number;
  /** Null on rows written before topic ids were stored, or by a consumer whose broker has none. */
  readonly topicId: string | null;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

/** What the consumer expects of a partition's stored progress when it applies a batch. */
export interface PartitionExpectation {
  /** The topic's current id, when the consumer knows it. */
  readonly topicId?: string | undefined;
  /**
   * The offset the consumer is applying from. A stored next offset below it means the shard lacks
   * events the consumer has moved past (restored from a backup, failed over to a lagging replica).
   */
  readonly position?: number | undefined;
}

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
