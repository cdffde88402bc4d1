/**
 * The consumer's closed table of error codes. `retriable` decides what happens to the events involved:
 * retriable → the partition pauses and retries with backoff (never skipped, never dead-lettered);
 * not retriable → the event is dead-lettered with the code's DLQ reason and the partition moves on.
 */
export const CONSUMER_ERRORS = {
  EVENT_UNPARSEABLE: {
    retriable: false,
    dlqReason: 'unparseable',
    description: 'The message value is not JSON (or has no value).',
  },
  EVENT_UNSUPPORTED_VERSION: {
    retriable: false,
    dlqReason: 'unsupported-version',
    description: 'The event declares a schema version this consumer does not read.',
  },
  EVENT_INVALID: {
    retriable: false,
    dlqReason: 'invalid',
    description: 'The event does not match the PurchaseEvent schema (ids, date, items, quantities).',
  },
  EVENT_WRONG_PARTITION: {
    retriable: false,
    dlqReason: 'wrong-partition',
    description:
      'The event’s store belongs to another shard than its partition: the producer and the consumer disagree on KAFKA_PARTITIONS or the shard map.',
  },
  EVENT_REJECTED_BY_SHARD: {
    retriable: false,
    dlqReason: 'rejected-by-shard',
    description:
      'PostgreSQL refused the event’s values (SQLSTATE class 22 or 23) although they passed the schema; isolated by bisecting the transaction.',
  },
  IDEMPOTENCY_KEY_CONFLICT: {
    retriable: false,
    dlqReason: 'idempotency-key-conflict',
    description:
      'Not a failure: a purchase whose Idempotency-Key already named another purchase (same API key and path, different body). It is counted like any other; a copy goes to the dead-letter topic as a note for the operator (replaying it changes nothing: its purchaseId is stored).',
  },
  SHARD_UNAVAILABLE: {
    retriable: true,
    dlqReason: null,
    description:
      'The shard cannot be reached or dropped the connection (refused, reset, timeout, shutting down, not accepting connections).',
  },
  SHARD_CONFLICT: {
    retriable: true,
    dlqReason: null,
    description: 'Serialization failure, deadlock or lock timeout; the transaction is simply run again.',
  },
  SHARD_OVERLOADED: {
    retriable: true,
    dlqReason: null,
    description: 'The shard is out of a resource (connections, memory, disk) or cancelled the statement.',
  },
  SHARD_MISCONFIGURED: {
    retriable: true,
    dlqReason: null,
    description:
      'The shard database, schema or credentials are missing or wrong; retried until an operator fixes it, logged as an error.',
  },
  DLQ_UNAVAILABLE: {
    retriable: true,
    dlqReason: null,
    description: 'The dead-letter topic did not acknowledge a poison event; the batch is retried.',
  },
  TOPIC_INCARNATION_MISMATCH: {
    retriable: true,
    dlqReason: null,
    description:
      'The shard’s offsets for a partition belong to another incarnation of the topic (its Kafka topic id changed: deleted and created again) or lie beyond the partition’s log end. The partition stops (consumer_partition_blocked) and is checked again periodically; it resumes once an operator runs the recovery command (offsets-cli accept).',
  },
  SHARD_BEHIND: {
    retriable: true,
    dlqReason: null,
    description:
      'The shard has applied less of a partition than the consumer’s position (restored from a backup, or failed over to an asynchronous replica): nothing is applied; the partition is sought back to the shard’s offset and reads the gap again.',
  },
  TOPIC_MISMATCH: {
    retriable: false,
    dlqReason: null,
    description: 'At start: the topic is missing or its partition count differs from KAFKA_PARTITIONS.',
  },
  INTERNAL: {
    retriable: true,
    dlqReason: null,
    description: 'An unexpected failure; retried, because skipping events would lose purchases.',
  },
} as const satisfies Record<string, { retriable: boolean; dlqReason: string | null; description: string }>;

export type ConsumerErrorCode = keyof typeof CONSUMER_ERRORS;

/** Why an event was dead-lettered: the value of the `dlq-reason` header and of the metric label. */
export type DeadLetterReason = NonNullable<(typeof CONSUMER_ERRORS)[ConsumerErrorCode]['dlqReason']>;

export class ConsumerError extends Error {
  readonly retriable: boolean;
  constructor(
    readonly code: ConsumerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConsumerError';
    this.retriable = CONSUMER_ERRORS[code].retriable;
  }
}

// Node socket errors that mean "the server is not there right now".
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

// Messages node-postgres raises without a code when a connection dies or cannot be had.
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /not queryable/i,
  /client was closed/i,
  /cannot use a pool after calling end/i,
];

/**
 * Maps anything a shard operation can throw to a code. PostgreSQL errors carry a SQLSTATE
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html); socket errors a Node code.
 */
export function classifyShardError(error: unknown): ConsumerError {
  if (error instanceof ConsumerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code =
    typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const make = (c: ConsumerErrorCode) => new ConsumerError(c, message, { cause: error });
  if (NETWORK_CODES.has(code)) return make('SHARD_UNAVAILABLE');
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (code === '40001' || code === '40P01' || code === '55P03') return make('SHARD_CONFLICT');
    // 55000: "database is not currently accepting connections" (ALLOW_CONNECTIONS false).
    if (code.startsWith('08') || code === '55000' || code.startsWith('57P')) return make('SHARD_UNAVAILABLE');
    if (code.startsWith('53') || code === '57014') return make('SHARD_OVERLOADED');
    if (code === '3D000' || code.startsWith('28') || code.startsWith('42'))
      return make('SHARD_MISCONFIGURED');
    if (code.startsWith('22') || code.startsWith('23')) return make('EVENT_REJECTED_BY_SHARD');
    return make('INTERNAL');
  }
  if (CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return make('SHARD_UNAVAILABLE');
  return make('INTERNAL');
}
