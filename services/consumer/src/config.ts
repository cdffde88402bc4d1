import { ConfigError, bool, int, list, loadConfig, logLevel, urlList, z } from '@tillstream/config';

/**
 * Every option of the consumer, one environment variable each (units in the names). Parsed once at
 * start; a bad value stops the process with a ConfigError naming the variable.
 */
/** The process: its health/metrics listener, logging, retries of a failed write, and its graceful stop. */
export const PROCESS_SHAPE = {
  /** Port of /healthz, /readyz and /metrics. */
  PORT: int(8082, 0, 65_535),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  /** First delay before a failed write (a paused partition, a requeued batch) is retried; doubles up to the max. */
  CONSUMER_RETRY_INITIAL_MS: int(200, 1, 60_000),
  CONSUMER_RETRY_MAX_MS: int(10_000, 1, 600_000),
  /** Grace for SIGTERM: finish or abandon the batch, commit, leave the group, then exit regardless. */
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 600_000),
};

/** The PostgreSQL side: the ordered shard URLs (the shard map) and each shard's pool. */
export const SHARD_SHAPE = {
  /** Ordered shard URLs: index i is shard i of the shard map. */
  SHARD_URLS: urlList(['postgres:', 'postgresql:']).refine(
    (urls) => urls.length > 0,
    'at least one shard URL is required',
  ),
  /**
   * Connections per shard. A shard receives at most (partitions it owns ∩ partitions in flight)
   * transactions at once, plus one health probe; on a 2-core box more connections only add contention.
   */
  SHARD_POOL_MAX: int(3, 1, 100),
  SHARD_CONNECT_TIMEOUT_MS: int(3_000, 100, 60_000),
  SHARD_IDLE_TIMEOUT_MS: int(30_000, 1_000, 3_600_000),
  /** Server-side cap on one statement; a batch transaction that hits it is retried. */
  SHARD_STATEMENT_TIMEOUT_MS: int(30_000, 100, 600_000),
  /** How often every shard is probed (SELECT 1) for shard_up. */
  SHARD_PROBE_INTERVAL_MS: int(5_000, 100, 600_000),
};

const shape = {
  ...PROCESS_SHAPE,
  ...SHARD_SHAPE,
  /** Bootstrap brokers, comma-separated host:port. */
  KAFKA_BROKERS: list().refine((brokers) => brokers.length > 0, 'at least one broker is required'),
  KAFKA_CLIENT_ID: z.string().default('tillstream-consumer'),
  KAFKA_TOPIC: z.string().default('purchases'),
  /** Where poison events go, with headers saying why. */
  KAFKA_DLQ_TOPIC: z.string().default('purchases.dlq'),
  /** Partitions of KAFKA_TOPIC; part of the shard map, checked against the broker at start. */
  KAFKA_PARTITIONS: int(12, 1, 10_000),
  KAFKA_GROUP_ID: z.string().default('purchase-writers'),
  /** A group with no committed offsets starts at the earliest offset, so nothing produced is skipped. */
  KAFKA_FROM_BEGINNING: bool(true),
  /** Partitions whose batches are processed at the same time (bounded: each holds a shard connection). */
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: int(4, 1, 1_000),
  KAFKA_SESSION_TIMEOUT_MS: int(30_000, 6_000, 300_000),
  KAFKA_REBALANCE_TIMEOUT_MS: int(60_000, 1_000, 600_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: int(3_000, 100, 60_000),
  /** Longest the broker holds a fetch waiting for KAFKA_MIN_BYTES; bounds freshness at low traffic. */
  KAFKA_MAX_WAIT_TIME_MS: int(250, 0, 30_000),
  KAFKA_MIN_BYTES: int(1, 1, 10_485_760),
  /** Upper bound of one partition's batch in one fetch. */
  KAFKA_MAX_BYTES_PER_PARTITION: int(1_048_576, 1_024, 104_857_600),
  KAFKA_MAX_BYTES: int(10_485_760, 1_024, 1_073_741_824),
  /** One transaction applies at most this many events; bigger batches are split (heartbeat between). */
  CONSUMER_MAX_EVENTS_PER_TRANSACTION: int(5_000, 1, 1_000_000),
  /** … and at most this many line items. */
  CONSUMER_MAX_ITEMS_PER_TRANSACTION: int(50_000, 1_000, 10_000_000),
  /** How often lag is recomputed from the broker's high watermarks (also covers paused partitions). */
  CONSUMER_LAG_INTERVAL_MS: int(5_000, 100, 600_000),
};

/** What every consumer process has, whatever it consumes. */
export interface ProcessConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly shutdownTimeoutMs: number;
}

export interface ShardPoolOptions {
  readonly urls: readonly string[];
  readonly poolMax: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly probeIntervalMs: number;
}

type ProcessEnv = { [K in keyof typeof PROCESS_SHAPE]: z.infer<(typeof PROCESS_SHAPE)[K]> };
type ShardEnv = { [K in keyof typeof SHARD_SHAPE]: z.infer<(typeof SHARD_SHAPE)[K]> };

/** The cross-field rules and the values of PROCESS_SHAPE. */
export function processConfig(e: ProcessEnv, problems: string[]): ProcessConfig {
  if (e.CONSUMER_RETRY_MAX_MS < e.CONSUMER_RETRY_INITIAL_MS) {
    problems.push('CONSUMER_RETRY_MAX_MS: must be ≥ CONSUMER_RETRY_INITIAL_MS');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    retryInitialMs: e.CONSUMER_RETRY_INITIAL_MS,
    retryMaxMs: e.CONSUMER_RETRY_MAX_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

export function shardPoolOptions(e: ShardEnv): ShardPoolOptions {
  return {
    urls: e.SHARD_URLS,
    poolMax: e.SHARD_POOL_MAX,
    connectTimeoutMs: e.SHARD_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: e.SHARD_IDLE_TIMEOUT_MS,
    statementTimeoutMs: e.SHARD_STATEMENT_TIMEOUT_MS,
    probeIntervalMs: e.SHARD_PROBE_INTERVAL_MS,
  };
}

export interface ConsumerConfig extends ProcessConfig {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly topic: string;
    readonly dlqTopic: string;
    readonly partitions: number;
    readonly groupId: string;
    readonly fromBeginning: boolean;
    readonly partitionsConsumedConcurrently: number;
    readonly sessionTimeoutMs: number;
    readonly rebalanceTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
    readonly maxWaitTimeMs: number;
    readonly minBytes: number;
    readonly maxBytesPerPartition: number;
    readonly maxBytes: number;
  };
  readonly shards: ShardPoolOptions;
  readonly maxEventsPerTransaction: number;
  readonly maxItemsPerTransaction: number;
  readonly lagIntervalMs: number;
}

export function loadConsumerConfig(env: Record<string, string | undefined>): Readonly<ConsumerConfig> {
  return loadConfig(shape, env, (e) => {
    // Cross-field rules zod's per-variable shape cannot express.
    const problems: string[] = [];
    const base = processConfig(e, problems);
    if (e.KAFKA_PARTITIONS < e.SHARD_URLS.length) {
      problems.push(
        `KAFKA_PARTITIONS: ${e.KAFKA_PARTITIONS} is less than the ${e.SHARD_URLS.length} SHARD_URLS, so a shard would own nothing`,
      );
    }
    if (e.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > e.KAFKA_SESSION_TIMEOUT_MS) {
      problems.push('KAFKA_HEARTBEAT_INTERVAL_MS: must be at most a third of KAFKA_SESSION_TIMEOUT_MS');
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return {
      ...base,
      kafka: {
        brokers: e.KAFKA_BROKERS,
        clientId: e.KAFKA_CLIENT_ID,
        topic: e.KAFKA_TOPIC,
        dlqTopic: e.KAFKA_DLQ_TOPIC,
        partitions: e.KAFKA_PARTITIONS,
        groupId: e.KAFKA_GROUP_ID,
        fromBeginning: e.KAFKA_FROM_BEGINNING,
        partitionsConsumedConcurrently: e.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
        sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
        rebalanceTimeoutMs: e.KAFKA_REBALANCE_TIMEOUT_MS,
        heartbeatIntervalMs: e.KAFKA_HEARTBEAT_INTERVAL_MS,
        maxWaitTimeMs: e.KAFKA_MAX_WAIT_TIME_MS,
        minBytes: e.KAFKA_MIN_BYTES,
        maxBytesPerPartition: e.KAFKA_MAX_BYTES_PER_PARTITION,
        maxBytes: e.KAFKA_MAX_BYTES,
      },
      shards: shardPoolOptions(e),
      maxEventsPerTransaction: e.CONSUMER_MAX_EVENTS_PER_TRANSACTION,
      maxItemsPerTransaction: e.CONSUMER_MAX_ITEMS_PER_TRANSACTION,
      lagIntervalMs: e.CONSUMER_LAG_INTERVAL_MS,
    };
  });
}
