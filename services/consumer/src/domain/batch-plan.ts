import {
  decodePurchaseEvent,
  shardOfPartition,
  shardOfStore,
  type PurchaseEvent,
  type Topology,
} from '@tillstream/contract';
import type { DeadLetterReason } from '../errors.js';

/** A header value as Kafka clients hand it over. */
export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** One message of a partition's batch, in the shape every Kafka client can provide. */
export interface InboundMessage {
  /** Offsets arrive as decimal strings; they stay far below 2^53 (285 years at 1M msg/s). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

export type DecodedMessage =
  | {
      readonly kind: 'event';
      readonly offset: number;
      readonly message: InboundMessage;
      readonly event: PurchaseEvent;
    }
  | {
      readonly kind: 'poison';
      readonly offset: number;
      readonly message: InboundMessage;
      readonly reason: DeadLetterReason;
      readonly detail: string;
    };

export type PoisonMessage = Extract<DecodedMessage, { kind: 'poison' }>;
export type EventMessage = Extract<DecodedMessage, { kind: 'event' }>;

/**
 * Decodes a partition's messages. Events of a store that the shard map places on another shard than
 * this partition's are poison ('wrong-partition'): the producer and the consumer disagree about the
 * topology, and writing them here would split a store across shards.
 */
export function decodeBatch(
  messages: readonly InboundMessage[],
  partition: number,
  topology: Topology,
): DecodedMessage[] {
  const shard = shardOfPartition(partition, topology);
  return messages.map((message) => {
    const offset = Number(message.offset);
    const result = decodePurchaseEvent(message.value);
    if (!result.ok) return { kind: 'poison', offset, message, reason: result.reason, detail: result.detail };
    const owner = shardOfStore(result.event.storeId, topology);
    if (owner !== shard) {
      return {
        kind: 'poison',
        offset,
        message,
        reason: 'wrong-partition',
        detail: `store ${result.event.storeId} belongs to shard ${owner} but arrived on partition ${partition} (shard ${shard}) with ${topology.partitionCount} partitions and ${topology.shardCount} shards`,
      };
    }
    return { kind: 'event', offset, message, event: result.event };
  });
}

export interface ChunkLimits {
  readonly maxEvents: number;
  readonly maxItems: number;
}

/**
 * Splits a batch into consecutive chunks, one transaction each, so that no transaction grows without
 * bound and the consumer can heartbeat between them. Every chunk holds at least one message.
 */
export function chunkBatch(decoded: readonly DecodedMessage[], limits: ChunkLimits): DecodedMessage[][] {
  const chunks: DecodedMessage[][] = [];
  let current: DecodedMessage[] = [];
  let events = 0;
  let items = 0;
  for (const message of decoded) {
    const messageItems = message.kind === 'event' ? message.event.items.length : 0;
    const full = events + 1 > limits.maxEvents || items + messageItems > limits.maxItems;
    if (current.length > 0 && full) {
      chunks.push(current);
      current = [];
      events = 0;
      items = 0;
    }
    current.push(message);
    events += 1;
    items += messageItems;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** What one transaction does, decided after it has read (and locked) the partition's next offset. */
export interface ChunkPlan {
  /** Events to insert, first occurrence of each purchaseId only, in offset order. */
  readonly events: readonly EventMessage[];
  /** Poison messages at or after the stored offset: dead-letter them. */
  readonly poison: readonly PoisonMessage[];
  /** Messages below the stored offset: already applied by an earlier delivery. */
  readonly redelivered: number;
  /** Events whose purchaseId appeared earlier in the same chunk. */
  readonly duplicatesInChunk: number;
  /** The partition's next offset after this chunk (never moves backwards). */
  readonly nextOffset: number;
}

export function planChunk(chunk: readonly DecodedMessage[], storedNextOffset: number): ChunkPlan {
  const events: EventMessage[] = [];
  const poison: PoisonMessage[] = [];
  const seen = new Set<string>();
  let redelivered = 0;
  let duplicatesInChunk = 0;
  let nextOffset = storedNextOffset;
  for (const message of chunk) {
    if (message.offset < storedNextOffset) {
      redelivered += 1;
      continue;
    }
    nextOffset = Math.max(nextOffset, message.offset + 1);
    if (message.kind === 'poison') {
      poison.push(message);
    } else if (seen.has(message.event.purchaseId)) {
      duplicatesInChunk += 1;
    } else {
      seen.add(message.event.purchaseId);
      events.push(message);
    }
  }
  return { events, poison, redelivered, duplicatesInChunk, nextOffset };
}
