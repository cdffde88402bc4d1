import type { CacheResult } from '../../src/domain/query-cache.js';
import { QueryCache } from '../../src/domain/query-cache.js';
import { realSchedule } from '../../src/domain/schedule.js';
import { ShardClient } from '../../src/domain/shard-client.js';
import type { ShardObserver, ShardRepository } from '../../src/types.js';
import { createStoreQueries } from '../../src/domain/store-queries.js';
import type { ItemCount, StoreCount } from '../../src/domain/top-lists.js';

export const silentObserver: ShardObserver = {
  queryDuration: () => undefined,
  hedgeSent: () => undefined,
  hedgeWon: () => undefined,
  timedOut: () => undefined,
  shardUp: () => undefined,
};

/** Shard clients over in-memory (or any) repositories with real timers. */
export function shardClients(
  primaries: readonly ShardRepository[],
  options: {
    timeoutMs?: number;
    replicas?: readonly (ShardRepository | undefined)[];
    observer?: ShardObserver;
  } = {},
) {
  return primaries.map(
    (primary, index) =>
      new ShardClient(index, primary, options.replicas?.[index], {
        timeoutMs: options.timeoutMs ?? 1000,
        hedge: {
          percentile: 95,
          minSamples: 20,
          minDelayMs: 1,
          maxDelayMs: 50,
          budgetRatio: 1,
          budgetBurst: 1000,
        },
        window: { maxSamples: 1000, windowMs: 10_000 },
        now: () => performance.now(),
        schedule: realSchedule,
        observer: options.observer ?? silentObserver,
      }),
  );
}

/** A QueryCache that counts lookups, so a test can wait until requests have reached it. */
export class CountingCache<T> extends QueryCache<T> {
  lookups = 0;
  override get(key: string, load: () => Promise<T>) {
    this.lookups++;
    return super.get(key, load);
  }
}

export function storeQueries(
  shards: readonly ShardClient[],
  options: {
    ttlMs?: number;
    partitionCount?: number;
    onCache?: (result: CacheResult) => void;
    caches?: { items: QueryCache<ItemCount[]>; stores: QueryCache<StoreCount[]> };
  } = {},
) {
  const cache = { ttlMs: options.ttlMs ?? 0, maxEntries: 1000 };
  const now = () => performance.now();
  return createStoreQueries({
    shards,
    partitionCount: options.partitionCount ?? 12,
    itemsCache: options.caches?.items ?? new QueryCache<ItemCount[]>(cache, now),
    storesCache: options.caches?.stores ?? new QueryCache<StoreCount[]>(cache, now),
    onCache: options.onCache ?? (() => undefined),
  });
}
