import os from 'node:os';
import { ConfigError, int, loadConfig, logLevel, redactUrl, urlList, z } from '@tillstream/config';

const POSTGRES = ['postgres:', 'postgresql:'];
/** Hedges a shard may send back to back after a quiet spell (gRPC's retry throttling uses 10 too). */
const HEDGE_BURST = 10;

/**
 * SHARD_REPLICA_URLS: positional like SHARD_URLS; entry i is shard i's replica, and an empty entry
 * (or `-`) means that shard has none: `postgres://r0…,,postgres://r2…`.
 */
const replicaUrls = z
  .string()
  .optional()
  .transform((raw) =>
    raw === undefined
      ? []
      : raw.split(',').map((entry) => {
          const url = entry.trim();
          return url === '' || url === '-' ? undefined : url;
        }),
  )
  .superRefine((urls, ctx) => {
    urls.forEach((url, shard) => {
      if (url === undefined) return;
      let protocol = '';
      try {
        protocol = new URL(url).protocol;
      } catch {
        // reported below
      }
      if (!POSTGRES.includes(protocol)) {
        ctx.addIssue({ code: 'custom', message: `entry ${shard} is not a postgres URL: ${redactUrl(url)}` });
      }
    });
  });

const shape = {
  /** Listening port. */
  PORT: int(8081, 0, 65535),
  /** Listening address. */
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  /** Partitions of the purchases topic: an input of the shard map, must match the consumer's. */
  KAFKA_PARTITIONS: int(12, 1, 100_000),
  /** The shards' primaries, in shard order (shard i = entry i). */
  SHARD_URLS: urlList(POSTGRES),
  /** Optional read replicas to hedge to, positional (see above). */
  SHARD_REPLICA_URLS: replicaUrls,
  /** Worker processes sharing the port; 1 = no cluster. */
  STORE_WORKERS: int(os.availableParallelism(), 1, 64),
  /** Connections per shard database (primary or replica) per worker. */
  STORE_POOL_SIZE: int(8, 1, 100),
  /** Deadline of one shard call, hedge included; also the connect timeout. */
  STORE_SHARD_TIMEOUT_MS: int(500, 1, 60_000),
  /** Retry-After (seconds) on 503 answers. */
  STORE_RETRY_AFTER_SECONDS: int(1, 0, 3600),
  /** How long a shard's answer is served from memory; 0 = only coalesce concurrent identical queries. */
  STORE_CACHE_TTL_MS: int(500, 0, 60_000),
  /** Answers kept in memory per worker and endpoint. */
  STORE_CACHE_MAX_ENTRIES: int(10_000, 1, 10_000_000),
  /** Hedge after this percentile of the primary's recent latency. */
  STORE_HEDGE_PERCENTILE: int(95, 1, 100),
  /** Hedge no sooner than this. */
  STORE_HEDGE_MIN_DELAY_MS: int(2, 0, 60_000),
  /** Hedge no later than this (also the delay while the window has too few samples). */
  STORE_HEDGE_MAX_DELAY_MS: int(50, 0, 60_000),
  /** At most this share of a shard's queries is hedged in the long run (bursts of 10 allowed). */
  STORE_HEDGE_BUDGET_PERCENT: int(10, 0, 100),
  /** Samples needed before the percentile is trusted. */
  STORE_HEDGE_MIN_SAMPLES: int(20, 1, 100_000),
  /** The latency window: samples younger than this … */
  STORE_LATENCY_WINDOW_MS: int(10_000, 100, 3_600_000),
  /** … and at most this many of them. */
  STORE_LATENCY_WINDOW_SAMPLES: int(1000, 1, 100_000),
  /** How often each worker checks its shards for shard_up when idle. */
  STORE_SHARD_PROBE_INTERVAL_MS: int(5000, 100, 3_600_000),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
  /** Top-10 requests one worker answers at once; more get 503 OVERLOADED at once (bounded memory). */
  STORE_MAX_CONCURRENT_REQUESTS: int(512, 1, 1_000_000),
  /** Connections one worker accepts at once; more are closed at once. */
  STORE_MAX_CONNECTIONS: int(4_096, 1, 1_000_000),
  /** Longest a client may take to send a request's headers. */
  STORE_HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
  /** Longest a client may take to send a whole request; past it the connection closes. */
  STORE_REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
};

export function loadStoreConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(shape, env, (e) => {
    const problems: string[] = [];
    if (e.SHARD_URLS.length === 0) problems.push('SHARD_URLS: at least one shard is required');
    if (e.SHARD_REPLICA_URLS.length > e.SHARD_URLS.length) {
      problems.push('SHARD_REPLICA_URLS: more entries than SHARD_URLS');
    }
    if (e.KAFKA_PARTITIONS < e.SHARD_URLS.length) {
      problems.push('KAFKA_PARTITIONS: must be ≥ the number of SHARD_URLS, or a shard owns nothing');
    }
    if (e.STORE_HEDGE_MIN_DELAY_MS > e.STORE_HEDGE_MAX_DELAY_MS) {
      problems.push('STORE_HEDGE_MIN_DELAY_MS: must be ≤ STORE_HEDGE_MAX_DELAY_MS');
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return {
      port: e.PORT,
      host: e.HOST,
      logLevel: e.LOG_LEVEL,
      partitionCount: e.KAFKA_PARTITIONS,
      shards: e.SHARD_URLS.map((url, index) => ({ index, url, replicaUrl: e.SHARD_REPLICA_URLS[index] })),
      workers: e.STORE_WORKERS,
      poolSize: e.STORE_POOL_SIZE,
      shardTimeoutMs: e.STORE_SHARD_TIMEOUT_MS,
      retryAfterSeconds: e.STORE_RETRY_AFTER_SECONDS,
      cache: { ttlMs: e.STORE_CACHE_TTL_MS, maxEntries: e.STORE_CACHE_MAX_ENTRIES },
      hedge: {
        percentile: e.STORE_HEDGE_PERCENTILE,
        minDelayMs: e.STORE_HEDGE_MIN_DELAY_MS,
        maxDelayMs: e.STORE_HEDGE_MAX_DELAY_MS,
        minSamples: e.STORE_HEDGE_MIN_SAMPLES,
        budgetRatio: e.STORE_HEDGE_BUDGET_PERCENT / 100,
        budgetBurst: HEDGE_BURST,
      },
      window: { windowMs: e.STORE_LATENCY_WINDOW_MS, maxSamples: e.STORE_LATENCY_WINDOW_SAMPLES },
      probeIntervalMs: e.STORE_SHARD_PROBE_INTERVAL_MS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      maxConcurrentRequests: e.STORE_MAX_CONCURRENT_REQUESTS,
      http: {
        maxConnections: e.STORE_MAX_CONNECTIONS,
        headersTimeoutMs: e.STORE_HEADERS_TIMEOUT_MS,
        requestTimeoutMs: Math.max(e.STORE_REQUEST_TIMEOUT_MS, e.STORE_HEADERS_TIMEOUT_MS + 1),
      },
    };
  });
}

export type StoreConfig = ReturnType<typeof loadStoreConfig>;

/** The config with connection passwords hidden, for the start-up log line. */
export function describeConfig(config: StoreConfig): Record<string, unknown> {
  return {
    ...config,
    shards: config.shards.map((s) => ({
      index: s.index,
      url: redactUrl(s.url),
      replicaUrl: s.replicaUrl === undefined ? undefined : redactUrl(s.replicaUrl),
    })),
  };
}
