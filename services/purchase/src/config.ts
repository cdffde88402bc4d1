import { availableParallelism } from 'node:os';
import { ConfigError, int, list, loadConfig, logLevel, z } from '@tillstream/config';

/** Shortest bearer key accepted: a guessable key is no authentication. */
const MIN_API_KEY_LENGTH = 16;

/**
 * Every option of the purchase service, one environment variable each (documented in README.md).
 * Units are in the names; the defaults suit the native stack.
 */
const shape = {
  /** TCP port of the HTTP API. */
  PORT: int(8080, 0, 65_535),
  /** Interface to listen on. */
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  /** Bootstrap brokers, `host:port` comma-separated. */
  KAFKA_BROKERS: list(['127.0.0.1:9092']).refine(
    (brokers) => brokers.length > 0,
    'needs at least one broker',
  ),
  /** Topic the purchase events are published to. */
  KAFKA_TOPIC: z.string().default('purchases'),
  /**
   * Partitions the topic must have. The shard map (partition → shard) is computed from this number by
   * every service, so the producer refuses to publish to a topic with a different count.
   */
  KAFKA_PARTITIONS: int(12, 1, 100_000),
  KAFKA_CLIENT_ID: z.string().default('tillstream-purchase'),
  /** TCP connect timeout to a broker. */
  KAFKA_CONNECTION_TIMEOUT_MS: int(1_000, 100, 60_000),
  /** How long the broker may take to answer one request (a produce with acks=all included). */
  KAFKA_REQUEST_TIMEOUT_MS: int(3_000, 100, 120_000),
  /** Retries of a failed produce request before the batch fails (the idempotent producer dedups them). */
  KAFKA_SEND_RETRIES: int(3, 1, 100),
  /** Pause between attempts to (re)connect the producer while Kafka is unreachable. */
  KAFKA_RECONNECT_BACKOFF_MS: int(500, 10, 60_000),
  /**
   * How long a starting worker waits for Kafka before it listens anyway (answering 503 until Kafka is
   * reachable). Waiting keeps a worker that is still connecting from taking requests beside a ready one.
   */
  PURCHASE_STARTUP_KAFKA_WAIT_MS: int(5_000, 0, 600_000),
  /** Upper bound from accepting a purchase to answering it: past it the answer is 503, never a hang. */
  PURCHASE_PUBLISH_TIMEOUT_MS: int(5_000, 100, 60_000),
  /** Worker processes (node:cluster); 1 runs in a single process. */
  PURCHASE_WORKERS: int(availableParallelism(), 1, 256),
  /**
   * `on`: every purchase needs `Authorization: Bearer <one of PURCHASE_API_KEYS>`, and the service
   * refuses to start without a key. `off`: anonymous writes, as the published CS6650 course clients
   * send them; a deliberate choice, logged as a warning at start.
   */
  PURCHASE_AUTH: z.enum(['on', 'off']).default('on'),
  /** Bearer keys accepted in `Authorization`, comma-separated, each at least 16 characters. Secret. */
  PURCHASE_API_KEYS: list().refine(
    (keys) => keys.every((key) => key.length >= MIN_API_KEY_LENGTH && !/\s/.test(key)),
    `every key must be at least ${MIN_API_KEY_LENGTH} characters, without spaces`,
  ),
  /**
   * Idempotency keys a worker remembers (least recently used go first) to answer a key reused with a
   * different request 422 at once; 0 leaves the check to the shards. About 150 bytes each.
   */
  PURCHASE_IDEMPOTENCY_KEYS_REMEMBERED: int(20_000, 0, 1_000_000),
  /** Purchases a worker holds unacknowledged at once; more are answered 503 (`in_flight_limit`). */
  PURCHASE_MAX_IN_FLIGHT: int(8_192, 1, 1_000_000),
  /**
   * Bytes of purchases (encoded events, with their requests' share of memory: see main.ts) a worker
   * holds unacknowledged at once; more are answered 503 (`in_flight_limit`). With
   * PURCHASE_MAX_CONNECTIONS it bounds a worker's memory whatever the purchases' size.
   */
  PURCHASE_MAX_IN_FLIGHT_BYTES: int(24 * 1024 * 1024, 64 * 1024, 4 * 1024 * 1024 * 1024),
  /**
   * V8 old-space limit of each cluster worker (`--max-old-space-size`), so the garbage of a burst is
   * collected instead of growing the heap towards V8's default, sized for the whole machine; 0 leaves
   * it to V8 (and NODE_OPTIONS). The default fits two workers in a 512 MiB container with the default
   * in-flight bytes. With PURCHASE_WORKERS=1 there is no worker: use NODE_OPTIONS.
   */
  PURCHASE_WORKER_HEAP_MB: int(96, 0, 65_536),
  /** Connections one worker accepts at once; more are closed at once (each may carry a 64 KiB body). */
  PURCHASE_MAX_CONNECTIONS: int(1_024, 1, 1_000_000),
  /** Longest a client may take to send a request's headers. */
  PURCHASE_HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
  /** Longest a client may take to send a whole request (headers and body); past it the connection closes. */
  PURCHASE_REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
  /** A batch is sent when it holds this many events … */
  PURCHASE_BATCH_MAX_MESSAGES: int(500, 1, 100_000),
  /** … or this many bytes of values (kept under the broker's 1 MiB `message.max.bytes`) … */
  PURCHASE_BATCH_MAX_BYTES: int(512 * 1024, 1_024, 64 * 1024 * 1024),
  /** … or when its first event has waited this long. */
  PURCHASE_BATCH_LINGER_MS: int(2, 0, 1_000),
  /**
   * Batches handed to the publisher at once by one worker; the next batch fills while these are in
   * flight. The Kafka publisher sends one batch at a time whatever this says (src/kafka-publisher.ts:
   * sequence numbers), so more only queues sealed batches; 1 lets the open batch grow instead.
   */
  PURCHASE_BATCH_CONCURRENCY: int(1, 1, 64),
  /** The `Retry-After` (seconds) of a 503. */
  PURCHASE_RETRY_AFTER_SECONDS: int(1, 0, 3_600),
  /** Whole graceful stop: drain HTTP, flush the batcher, disconnect the producer. */
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 600_000),
};

export interface PurchaseConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly topic: string;
    readonly partitions: number;
    readonly clientId: string;
    readonly connectionTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly sendRetries: number;
    readonly reconnectBackoffMs: number;
  };
  readonly publishTimeoutMs: number;
  readonly startupKafkaWaitMs: number;
  readonly workers: number;
  /** on: writes need a bearer key; off: anonymous writes (the CS6650-compatible mode). */
  readonly auth: 'on' | 'off';
  /** Keys configured but unused because PURCHASE_AUTH=off (for the start-up warning). */
  readonly ignoredApiKeys: number;
  /** Secret: non-enumerable, so it never appears in a logged or serialised config. */
  readonly apiKeys: readonly string[];
  readonly idempotencyKeysRemembered: number;
  readonly maxInFlight: number;
  readonly maxInFlightBytes: number;
  readonly workerHeapMb: number;
  readonly http: {
    readonly maxConnections: number;
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
  };
  readonly batch: {
    readonly maxMessages: number;
    readonly maxBytes: number;
    readonly lingerMs: number;
    readonly concurrency: number;
  };
  readonly retryAfterSeconds: number;
  readonly shutdownTimeoutMs: number;
}

function requireKeys(keys: string[]): string[] {
  if (keys.length === 0) {
    throw new ConfigError([
      'PURCHASE_API_KEYS: no key, and PURCHASE_AUTH=on (the default) authenticates every purchase; ' +
        'set a key (every deployment generates one), or PURCHASE_AUTH=off for anonymous writes',
    ]);
  }
  return keys;
}

/** Parses and freezes the config; throws `ConfigError` naming every bad variable. */
export function loadPurchaseConfig(env: Record<string, string | undefined>): Readonly<PurchaseConfig> {
  return loadConfig(
    shape,
    env,
    (e): PurchaseConfig => ({
      port: e.PORT,
      host: e.HOST,
      logLevel: e.LOG_LEVEL,
      kafka: {
        brokers: e.KAFKA_BROKERS,
        topic: e.KAFKA_TOPIC,
        partitions: e.KAFKA_PARTITIONS,
        clientId: e.KAFKA_CLIENT_ID,
        connectionTimeoutMs: e.KAFKA_CONNECTION_TIMEOUT_MS,
        requestTimeoutMs: e.KAFKA_REQUEST_TIMEOUT_MS,
        sendRetries: e.KAFKA_SEND_RETRIES,
        reconnectBackoffMs: e.KAFKA_RECONNECT_BACKOFF_MS,
      },
      publishTimeoutMs: e.PURCHASE_PUBLISH_TIMEOUT_MS,
      startupKafkaWaitMs: e.PURCHASE_STARTUP_KAFKA_WAIT_MS,
      workers: e.PURCHASE_WORKERS,
      auth: e.PURCHASE_AUTH,
      ignoredApiKeys: e.PURCHASE_AUTH === 'off' ? e.PURCHASE_API_KEYS.length : 0,
      apiKeys: e.PURCHASE_AUTH === 'off' ? [] : requireKeys(e.PURCHASE_API_KEYS),
      idempotencyKeysRemembered: e.PURCHASE_IDEMPOTENCY_KEYS_REMEMBERED,
      maxInFlight: e.PURCHASE_MAX_IN_FLIGHT,
      maxInFlightBytes: e.PURCHASE_MAX_IN_FLIGHT_BYTES,
      workerHeapMb: e.PURCHASE_WORKER_HEAP_MB,
      http: {
        maxConnections: e.PURCHASE_MAX_CONNECTIONS,
        headersTimeoutMs: e.PURCHASE_HEADERS_TIMEOUT_MS,
        requestTimeoutMs: Math.max(e.PURCHASE_REQUEST_TIMEOUT_MS, e.PURCHASE_HEADERS_TIMEOUT_MS + 1),
      },
      batch: {
        maxMessages: e.PURCHASE_BATCH_MAX_MESSAGES,
        maxBytes: e.PURCHASE_BATCH_MAX_BYTES,
        lingerMs: e.PURCHASE_BATCH_LINGER_MS,
        concurrency: e.PURCHASE_BATCH_CONCURRENCY,
      },
      retryAfterSeconds: e.PURCHASE_RETRY_AFTER_SECONDS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    }),
    { secrets: ['apiKeys'] },
  );
}
