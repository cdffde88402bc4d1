/**
 * The store service's composition root: config, logger, metrics, shard pools and clients, cache,
 * HTTP app, cluster. Everything else receives what it needs from here.
 */
import { performance } from 'node:perf_hooks';
import { loadOrExit } from '@tillstream/config';
import {
  ShardIdentityError,
  createShardIdentityVerifier,
  type ShardIdentityVerifier,
} from '@tillstream/contract';
import { closeServer, listen, runService, type Stop } from '@tillstream/http-kit';
import {
  createHttpMetrics,
  createLogger,
  createRegistry,
  metricsText,
  READ_LATENCY_BUCKETS_SECONDS,
  type Logger,
} from '@tillstream/observability';
import { describeConfig, loadStoreConfig, type StoreConfig } from './config.js';
import { QueryCache } from './domain/query-cache.js';
import { realSchedule } from './domain/schedule.js';
import { ShardClient } from './domain/shard-client.js';
import type { ShardRepository } from './types.js';
import { createStoreQueries } from './domain/store-queries.js';
import type { ItemCount, StoreCount } from './domain/top-lists.js';
import { createApp } from './http.js';
import { createStoreMetrics } from './metrics.js';
import { createPool, pgShardRepository, readShardIdentity } from './repository.js';

interface ShardIdentities {
  readonly primaries: ShardIdentityVerifier;
  /** Replicas carry their primary's identity row; a shard without one is checked on its primary. */
  readonly replicas: ShardIdentityVerifier;
}

function refuse(error: ShardIdentityError, log: Logger): never {
  for (const problem of error.problems) console.error(`SHARD_IDENTITY_MISMATCH: ${problem}`);
  log.fatal({ code: error.code, problems: error.problems }, 'refusing to start: shard identity mismatch');
  process.exit(3);
}

/**
 * SHARD_URLS (and SHARD_REPLICA_URLS) order is the shard map: each entry must be the shard its
 * position says. Shards that answer are checked at start (a mismatch exits 3 before anything is
 * served); one that is down is checked before its first query.
 */
async function checkShardIdentities(config: StoreConfig, log: Logger): Promise<ShardIdentities> {
  const expected = { shardCount: config.shards.length, partitionCount: config.partitionCount };
  const label = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  };
  const identities: ShardIdentities = {
    primaries: createShardIdentityVerifier({
      expected,
      read: (entry) => readShardIdentity(config.shards[entry]!.url),
      label: (entry) => label(config.shards[entry]!.url),
    }),
    replicas: createShardIdentityVerifier({
      expected,
      read: (entry) => readShardIdentity(config.shards[entry]!.replicaUrl ?? config.shards[entry]!.url),
      label: (entry) => label(config.shards[entry]!.replicaUrl ?? config.shards[entry]!.url),
    }),
  };
  try {
    for (const verifier of [identities.primaries, identities.replicas]) {
      const { unreachable } = await verifier.verifyAll();
      for (const { entry, error } of unreachable) {
        log.warn(
          { shard: entry, err: error.message },
          'shard identity not checked yet (unreachable); checked before first use',
        );
      }
    }
  } catch (error) {
    if (error instanceof ShardIdentityError) refuse(error, log);
    throw error;
  }
  return identities;
}

/** The repository of `shard`, used only once its identity is verified. */
function verified(repository: ShardRepository, verifier: ShardIdentityVerifier, shard: number, log: Logger) {
  const check = async () => {
    try {
      await verifier.verify(shard);
    } catch (error) {
      if (error instanceof ShardIdentityError) refuse(error, log);
      throw error;
    }
  };
  return {
    topItems: async (storeId) => (await check(), repository.topItems(storeId)),
    topStores: async (itemId) => (await check(), repository.topStores(itemId)),
    ping: async () => (await check(), repository.ping()),
  } satisfies ShardRepository;
}

async function startWorker(config: StoreConfig, log: Logger, identities: ShardIdentities): Promise<Stop> {
  const registry = createRegistry('store');
  const httpMetrics = createHttpMetrics(registry, READ_LATENCY_BUCKETS_SECONDS);
  const storeMetrics = createStoreMetrics(registry);
  storeMetrics.initialise(config.shards.length);
  const now = () => performance.now();

  const pools = config.shards.flatMap((shard) => {
    const pool = (url: string, role: string) =>
      createPool(
        {
          url,
          max: config.poolSize,
          timeoutMs: config.shardTimeoutMs,
          applicationName: `store-${role}-${shard.index}`,
        },
        log,
      );
    return [
      { shard: shard.index, role: 'primary', pool: pool(shard.url, 'primary') },
      ...(shard.replicaUrl === undefined
        ? []
        : [{ shard: shard.index, role: 'replica', pool: pool(shard.replicaUrl, 'replica') }]),
    ];
  });
  const poolOf = (shard: number, role: string) =>
    pools.find((p) => p.shard === shard && p.role === role)?.pool;

  const shards = config.shards.map((shard) => {
    const replica = poolOf(shard.index, 'replica');
    return new ShardClient(
      shard.index,
      verified(
        pgShardRepository(poolOf(shard.index, 'primary')!, storeMetrics.poolWait(shard.index, 'primary')),
        identities.primaries,
        shard.index,
        log,
      ),
      replica === undefined
        ? undefined
        : verified(
            pgShardRepository(replica, storeMetrics.poolWait(shard.index, 'replica')),
            identities.replicas,
            shard.index,
            log,
          ),
      {
        timeoutMs: config.shardTimeoutMs,
        hedge: config.hedge,
        window: config.window,
        now,
        schedule: realSchedule,
        observer: storeMetrics.observer,
      },
    );
  });

  const queries = createStoreQueries({
    shards,
    partitionCount: config.partitionCount,
    itemsCache: new QueryCache<ItemCount[]>(config.cache, now),
    storesCache: new QueryCache<StoreCount[]>(config.cache, now),
    onCache: storeMetrics.cacheRequest,
  });

  const readiness = async () => {
    const up = await Promise.all(shards.map((shard) => shard.ping()));
    return { ready: up.every(Boolean), shards: up.map((isUp, shard) => ({ shard, up: isUp })) };
  };
  // Keeps shard_up true to life when no request touches a shard.
  const probe = setInterval(() => void readiness(), config.probeIntervalMs);
  probe.unref();
  void readiness();

  const app = createApp({
    queries,
    readiness,
    storeMetrics,
    httpMetrics,
    metricsText: () => metricsText(registry),
    retryAfterSeconds: config.retryAfterSeconds,
    maxConcurrentRequests: config.maxConcurrentRequests,
    log,
  });
  const server = await listen(app, config.port, config.host);
  // Bounds on what clients can make a worker hold: connections, and slow headers or requests.
  server.maxConnections = config.http.maxConnections;
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = config.http.requestTimeoutMs;
  log.info({ port: config.port, host: config.host }, 'store worker listening');

  return async () => {
    clearInterval(probe);
    await closeServer(server, Math.max(0, config.shutdownTimeoutMs - 1000));
    await Promise.all(pools.map((p) => p.pool.end()));
  };
}

async function main(): Promise<void> {
  const config = loadOrExit(loadStoreConfig);
  const log = createLogger('store', config.logLevel);
  log.info({ config: describeConfig(config) }, 'starting store service');
  const identities = await checkShardIdentities(config, log);
  await runService({
    workers: config.workers,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    log,
    start: () => startWorker(config, log, identities),
  });
}

await main();
