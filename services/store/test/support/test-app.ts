import type { Server } from 'node:http';
import { boundPort, closeServer, listen } from '@tillstream/http-kit';
import { createHttpMetrics, createLogger, createRegistry, metricsText } from '@tillstream/observability';
import type { ShardRepository } from '../../src/types.js';
import { createApp } from '../../src/http.js';
import { createStoreMetrics } from '../../src/metrics.js';
import type { ItemCount, StoreCount } from '../../src/domain/top-lists.js';
import { CountingCache, shardClients, storeQueries } from './fixtures.js';

/** The real HTTP app on port 0 over the given shard repositories. */
export async function startTestApp(
  primaries: readonly ShardRepository[],
  options: {
    ttlMs?: number;
    timeoutMs?: number;
    replicas?: readonly (ShardRepository | undefined)[];
    maxConcurrentRequests?: number;
  } = {},
) {
  const registry = createRegistry('store');
  const storeMetrics = createStoreMetrics(registry);
  storeMetrics.initialise(primaries.length);
  const shards = shardClients(primaries, { ...options, observer: storeMetrics.observer });
  const cache = { ttlMs: options.ttlMs ?? 0, maxEntries: 1000 };
  const now = () => performance.now();
  const caches = {
    items: new CountingCache<ItemCount[]>(cache, now),
    stores: new CountingCache<StoreCount[]>(cache, now),
  };
  const queries = storeQueries(shards, { onCache: storeMetrics.cacheRequest, caches });
  const app = createApp({
    queries,
    readiness: async () => {
      const up = await Promise.all(shards.map((s) => s.ping()));
      return { ready: up.every(Boolean), shards: up.map((u, shard) => ({ shard, up: u })) };
    },
    storeMetrics,
    httpMetrics: createHttpMetrics(registry),
    metricsText: () => metricsText(registry),
    retryAfterSeconds: 2,
    maxConcurrentRequests: options.maxConcurrentRequests ?? 1_000,
    log: createLogger('store', 'silent'),
  });
  const server: Server = await listen(app, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${boundPort(server)}`;
  return {
    base,
    registry,
    get: (path: string, init?: RequestInit) => fetch(`${base}${path}`, init),
    /** Lookups the requests so far made in the answer caches (items, stores). */
    cacheLookups: () => ({ items: caches.items.lookups, stores: caches.stores.lookups }),
    close: () => closeServer(server, 100),
  };
}
