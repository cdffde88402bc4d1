import type { StoredOffset } from '../types.js';

/**
 * Where an assigned partition resumes. The shard's stored offset is the truth (it commits with the
 * rows it covers); Kafka's committed offset is only a hint and can be ahead of a shard restored from
 * a backup or failed over to an asynchronous replica. So every assignment seeks each partition to
 * its shard's offset — unless that offset cannot belong to the partition's current log.
 */
export type PartitionStart =
  | { readonly kind: 'seek'; readonly offset: number; readonly warning?: string }
  | { readonly kind: 'blocked'; readonly reason: BlockReason; readonly detail: string };

/** Why a partition is stopped until an operator accepts the topic's current incarnation. */
export type BlockReason = 'topic-recreated' | 'offset-beyond-log-end';

export interface PartitionLog {
  /** Log start offset (the earliest offset still retained). */
  readonly low: number;
  /** Log end offset (high watermark: the offset the next event will get). */
  readonly high: number;
}

export function decideStart(
  partition: number,
  stored: StoredOffset | undefined,
  log: PartitionLog,
  currentTopicId: string | undefined,
): PartitionStart {
  if (stored === undefined) return { kind: 'seek', offset: log.low };
  if (stored.topicId !== null && currentTopicId !== undefined && stored.topicId !== currentTopicId) {
    return {
      kind: 'blocked',
      reason: 'topic-recreated',
      detail: `partition ${partition}: the shard's offsets (next ${stored.nextOffset}) belong to topic id ${stored.topicId}, but the topic now has id ${currentTopicId}: it was deleted and created again`,
    };
  }
  if (stored.nextOffset > log.high) {
    return {
      kind: 'blocked',
      reason: 'offset-beyond-log-end',
      detail: `partition ${partition}: the shard has applied up to offset ${stored.nextOffset}, but the partition's log ends at ${log.high}: the topic was re-created or its log truncated`,
    };
  }
  if (stored.nextOffset < log.low) {
    return {
      kind: 'seek',
      offset: log.low,
      warning: `partition ${partition}: offsets ${stored.nextOffset}–${log.low - 1} were deleted by retention before this shard applied them; resuming at the log start ${log.low}`,
    };
  }
  return { kind: 'seek', offset: stored.nextOffset };
}

/**
 * What the recovery command writes for a blocked partition: the current incarnation, and the start
 * of its retained log. Everything retained is read again; purchase-id dedup counts a purchase that
 * is already on the shard once.
 */
export function acceptedStart(log: PartitionLog): number {
  return log.low;
}
