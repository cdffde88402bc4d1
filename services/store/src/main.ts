/**
 * The store service's composition root: config, logger, metrics, shard pools and clients, cache,
 * HTTP app, cluster. Everything else receives what it needs from here.
 */
import { performance } from 'node:perf_hooks';
import { ConfigError } from '@tillstream/config';
import { closeServer, listen, runService, type Stop } from '@tillstream/http-kit';
import {
  createHttpMetrics,
  createLogger,
  createRegistry,
  metricsText,
  type Logger,
} from '@tillstream/observability';
import { describeConfig, loadStoreConfig, type StoreConfig } from './config.js';
import { QueryCache } from './domain/query-cache.js';
import { realSchedule } from './domain/schedule.js';
import { ShardClient } from './domain/shard-client.js';
import { createStoreQueries } from './domain/store-queries.js';
import type { ItemCount, StoreCount } from './domain/top-lists.js';
import { createApp } from './http.js';
import { createStoreMetrics } from './metrics.js';
import { createPool, pgShardRepository } from './repository.js';

async function startWorker(config: StoreConfig, log: Logger): Promise<Stop> {
  const registry = createRegistry('store');
  const httpMetrics = createHttpMetrics(registry);
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
      pgShardRepository(poolOf(shard.index, 'primary')!),
      replica === undefined ? undefined : pgShardRepository(replica),
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
  let config: StoreConfig;
  try {
    config = loadStoreConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger('store', config.logLevel);
  log.info({ config: describeConfig(config) }, 'starting store service');
  await runService({
    workers: config.workers,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    log,
    start: () => startWorker(config, log),
  });
}

await main();
