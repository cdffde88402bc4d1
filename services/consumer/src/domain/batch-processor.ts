import { EventHeaders, parseTraceparent, shardOfPartition, type Topology } from '@tillstream/contract';
import type { Logger } from '@tillstream/observability';
import {
  chunkBatch,
  decodeBatch,
  planChunk,
  type ChunkLimits,
  type ChunkPlan,
  type DecodedMessage,
  type EventMessage,
  type InboundMessage,
  type PoisonMessage,
} from './batch-plan.js';
import { toDeadLetter } from './dead-letter.js';
import { ConsumerError, classifyShardError } from '../errors.js';
import type { ConsumerMetrics } from '../metrics.js';
import { buildRows } from './rows.js';
import type { DeadLetterPublisher, KeyConflict, ShardStore } from '../types.js';

export interface InboundBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly InboundMessage[];
}

/** The Kafka client's per-batch controls, as the processor needs them. */
export interface BatchControl {
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  /** True when the partition was revoked or sought: stop, the rest will be redelivered. */
  isStale(): boolean;
}

export type BatchOutcome =
  | { readonly kind: 'completed'; readonly position: number }
  | { readonly kind: 'abandoned'; readonly position: number | undefined }
  | {
      readonly kind: 'retry';
      readonly shard: number;
      readonly error: ConsumerError;
      readonly position: number | undefined;
    };

export interface BatchProcessorDeps {
  readonly store: ShardStore;
  readonly deadLetters: DeadLetterPublisher;
  readonly topology: Topology;
  readonly groupId: string;
  readonly limits: ChunkLimits;
  readonly now: () => Date;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
}

/**
 * Applies a partition's batch to the partition's shard, chunk by chunk, each chunk one transaction;
 * resolves a chunk's offsets only after its COMMIT. A transient failure stops the batch and is
 * returned (the caller pauses the partition and retries later); it is never skipped.
 */
export function createBatchProcessor(deps: BatchProcessorDeps) {
  const { store, topology, metrics, log } = deps;

  async function publishDeadLetters(
    poison: ChunkPlan['poison'],
    topic: string,
    partition: number,
  ): Promise<void> {
    const failedAt = deps.now();
    const letters = poison.map((p) => toDeadLetter(p, { topic, partition, groupId: deps.groupId }, failedAt));
    try {
      await deps.deadLetters.publish(letters);
    } catch (error) {
      throw new ConsumerError('DLQ_UNAVAILABLE', (error as Error).message, { cause: error });
    }
    for (const p of poison) {
      metrics.dlqEvents.inc({ reason: p.reason });
      log.warn(
        { topic, partition, offset: p.offset, reason: p.reason, detail: p.detail.slice(0, 500) },
        p.reason === 'wrong-partition'
          ? 'MISCONFIGURATION: event on a partition of another shard; dead-lettered'
          : 'poison event dead-lettered',
      );
    }
  }

  /**
   * A copy of each purchase whose key already named another one goes to the dead-letter topic with
   * reason `idempotency-key-conflict`: a note for the operator (the purchase itself is counted).
   */
  async function publishConflictNotes(
    conflicts: readonly KeyConflict[],
    events: readonly EventMessage[],
    topic: string,
    partition: number,
  ): Promise<void> {
    const byId = new Map(events.map((e) => [e.event.purchaseId, e]));
    const notes: PoisonMessage[] = [];
    for (const conflict of conflicts) {
      const event = byId.get(conflict.purchaseId);
      if (!event) continue;
      notes.push({
        kind: 'poison',
        offset: event.offset,
        message: event.message,
        reason: 'idempotency-key-conflict',
        detail: `counted; its Idempotency-Key already named purchase ${conflict.firstPurchaseId}`,
      });
    }
    const failedAt = deps.now();
    const letters = notes.map((n) => toDeadLetter(n, { topic, partition, groupId: deps.groupId }, failedAt));
    try {
      await deps.deadLetters.publish(letters);
    } catch (error) {
      throw new ConsumerError('DLQ_UNAVAILABLE', (error as Error).message, { cause: error });
    }
    for (const note of notes) metrics.dlqEvents.inc({ reason: note.reason });
  }

  /** One transaction; returns the partition's next offset. `sent` remembers dead-lettered offsets. */
  async function applyChunk(
    topic: string,
    partition: number,
    shard: number,
    chunk: readonly DecodedMessage[],
    sent: Set<number>,
  ): Promise<number> {
    const started = performance.now();
    let outcome: {
      plan: ChunkPlan;
      insertedReceivedAtMs: readonly number[];
      keyConflicts: readonly KeyConflict[];
    };
    try {
      outcome = await store.transaction(shard, async (tx) => {
        const stored = await tx.lockPartition(topic, partition);
        const plan = planChunk(chunk, stored);
        const unsent = plan.poison.filter((p) => !sent.has(p.offset));
        // Dead letters are stored before the offsets that skip them are committed.
        if (unsent.length > 0) {
          await publishDeadLetters(unsent, topic, partition);
          for (const p of unsent) sent.add(p.offset);
        }
        if (plan.events.length > 0) {
          const written = await tx.write(topic, partition, buildRows(plan.events), plan.nextOffset);
          // Noted before the COMMIT that counts them, like poison events (a retried chunk may note twice).
          if (written.keyConflicts.length > 0) {
            await publishConflictNotes(written.keyConflicts, plan.events, topic, partition);
          }
          return { plan, ...written };
        }
        if (plan.nextOffset > stored) await tx.advance(topic, partition, plan.nextOffset);
        return { plan, insertedReceivedAtMs: [], keyConflicts: [] };
      });
    } catch (error) {
      const classified = classifyShardError(error);
      if (classified.code !== 'EVENT_REJECTED_BY_SHARD') throw classified;
      return isolateRejected(topic, partition, shard, chunk, sent, classified);
    }
    const committedAt = deps.now().getTime();
    const shardLabel = { shard: String(shard) };
    metrics.transactionDuration.observe(shardLabel, (performance.now() - started) / 1000);
    metrics.shardUp.set(shardLabel, 1);
    const { plan, insertedReceivedAtMs, keyConflicts } = outcome;
    const inserted = insertedReceivedAtMs.length;
    for (const conflict of keyConflicts) {
      metrics.idempotencyKeyConflicts.inc();
      log.warn(
        { topic, partition, shard, ...conflict },
        'Idempotency-Key reused for a different purchase; both are counted (a note is on the dead-letter topic)',
      );
    }
    metrics.rowsWritten.inc(inserted);
    const duplicates = plan.redelivered + plan.duplicatesInChunk + (plan.events.length - inserted);
    if (duplicates > 0) metrics.duplicatesSkipped.inc(duplicates);
    for (const receivedAt of insertedReceivedAtMs) {
      metrics.freshness.observe(Math.max(0, committedAt - receivedAt) / 1000);
    }
    // One line per purchase, with the trace id of its traceparent, so a purchase can be followed from
    // the purchase service's audit line to its commit here (LOG_LEVEL=debug; too many for info).
    if (log.isLevelEnabled('debug')) {
      for (const event of plan.events) {
        log.debug(
          {
            purchaseId: event.event.purchaseId,
            traceId: traceIdOf(event.message),
            partition,
            offset: event.offset,
            shard,
          },
          'purchase committed',
        );
      }
    }
    return plan.nextOffset;
  }

  /**
   * PostgreSQL refused a value that passed the schema. Bisect the chunk (log₂ n transactions) down
   * to the one event it refuses, dead-letter that event, apply the rest.
   */
  async function isolateRejected(
    topic: string,
    partition: number,
    shard: number,
    chunk: readonly DecodedMessage[],
    sent: Set<number>,
    error: ConsumerError,
  ): Promise<number> {
    if (chunk.length > 1) {
      const middle = Math.ceil(chunk.length / 2);
      await applyChunk(topic, partition, shard, chunk.slice(0, middle), sent);
      return applyChunk(topic, partition, shard, chunk.slice(middle), sent);
    }
    const only = chunk[0]!;
    if (only.kind === 'poison') throw error; // nothing left to isolate: not the event's fault
    const rejected: DecodedMessage = {
      kind: 'poison',
      offset: only.offset,
      message: only.message,
      reason: 'rejected-by-shard',
      detail: error.message,
    };
    return applyChunk(topic, partition, shard, [rejected], sent);
  }

  return async function processBatch(batch: InboundBatch, control: BatchControl): Promise<BatchOutcome> {
    const { topic, partition } = batch;
    const shard = shardOfPartition(partition, topology);
    metrics.batchSize.observe(batch.messages.length);
    const decoded = decodeBatch(batch.messages, partition, topology);
    const sent = new Set<number>();
    let position: number | undefined;
    for (const chunk of chunkBatch(decoded, deps.limits)) {
      if (!control.isRunning() || control.isStale()) return { kind: 'abandoned', position };
      try {
        await applyChunk(topic, partition, shard, chunk, sent);
      } catch (error) {
        const classified = classifyShardError(error);
        const shardLabel = { shard: String(shard) };
        metrics.retries.inc(shardLabel);
        if (classified.code === 'SHARD_UNAVAILABLE') metrics.shardUp.set(shardLabel, 0);
        const level =
          classified.code === 'SHARD_MISCONFIGURED' || classified.code === 'INTERNAL' ? 'error' : 'warn';
        log[level](
          {
            topic,
            partition,
            shard,
            code: classified.code,
            err: classified.message,
            offset: chunk[0]!.offset,
          },
          'batch transaction failed; partition will retry',
        );
        return { kind: 'retry', shard, error: classified, position };
      }
      const last = chunk[chunk.length - 1]!;
      control.resolveOffset(String(last.offset));
      position = last.offset + 1;
      await control.heartbeat();
    }
    return { kind: 'completed', position: position ?? 0 };
  };
}

export type ProcessBatch = ReturnType<typeof createBatchProcessor>;

/** The trace id of a message's `traceparent` header, if it carries a valid one. */
export function traceIdOf(message: InboundMessage): string | undefined {
  const header = message.headers?.[EventHeaders.traceparent];
  const value = Array.isArray(header) ? header[0] : header;
  return parseTraceparent(value === undefined ? undefined : value.toString())?.traceId;
}
