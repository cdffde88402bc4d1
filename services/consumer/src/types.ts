/**
 * The consumer's ports: what its domain code needs from the shards and from Kafka, implemented by the
 * adapters beside this file (repository.ts and offsets.ts over pg, kafka-client.ts over kafkajs).
 */
import type { DeadLetter } from './domain/dead-letter.js';
import type { WriteRows } from './domain/rows.js';

/** The shard side of a transaction (repository.ts). */
export interface ShardTransaction {
  /** Locks the partition's progress row for this transaction and returns its next offset. */
  lockPartition(topic: string, partition: number): Promise<number>;
  /** Inserts purchases not stored yet, their items and totals; sets the next offset. */
  write(topic: string, partition: number, rows: WriteRows, nextOffset: number): Promise<WriteResult>;
  /** Sets the next offset only (a chunk with nothing new to insert). */
  advance(topic: string, partition: number, nextOffset: number): Promise<void>;
}

export interface WriteResult {
  /** receivedAt (epoch ms) of each purchase this transaction inserted; duplicates are absent. */
  readonly insertedReceivedAtMs: readonly number[];
  /** Inserted purchases whose idempotency key hash already named another purchase. */
  readonly keyConflicts: readonly KeyConflict[];
}

export interface KeyConflict {
  readonly purchaseId: string;
  /** The purchase the key named first. */
  readonly firstPurchaseId: string;
}

export interface ShardStore {
  /** Runs `work` in one transaction on `shard`: COMMIT if it resolves, ROLLBACK if it throws. */
  transaction<T>(shard: number, work: (tx: ShardTransaction) => Promise<T>): Promise<T>;
}

export interface DeadLetterPublisher {
  /** Resolves once the broker stored every message (acks=all). */
  publish(letters: readonly DeadLetter[]): Promise<void>;
}

/** A partition's progress as a shard stores it (`consumer_offsets`, offsets.ts). */
export interface StoredOffset {
  readonly nextOffset: number;
  /** Null on rows written before topic ids were stored, or by a consumer whose broker has none. */
  readonly topicId: string | null;
}

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
