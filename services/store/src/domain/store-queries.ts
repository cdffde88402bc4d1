import { shardOfStore, type Topology } from '@tillstream/contract';
import type { CacheResult, QueryCache } from './query-cache.js';
import { ShardFailure, type ShardClient } from './shard-client.js';
import { mergeTopStores, type ItemCount, type StoreCount } from './top-lists.js';

export interface StoreQueriesDeps {
  /** Indexed by shard number, in SHARD_URLS order. */
  readonly shards: readonly ShardClient[];
  readonly partitionCount: number;
  readonly itemsCache: QueryCache<ItemCount[]>;
  readonly storesCache: QueryCache<StoreCount[]>;
  readonly onCache: (result: CacheResult) => void;
}

/** The outcome of the fan-out: what the answering shards said, and which did not answer. */
export interface FanOutResult {
  readonly stores: StoreCount[];
  /** How many shards answered. */
  readonly answeredShards: number;
  /** Ascending shard numbers. */
  readonly missingShards: number[];
  readonly failures: ShardFailure[];
}

/** The two reads of the API. HTTP-free: the adapter maps results and ShardFailure to responses. */
export function createStoreQueries(deps: StoreQueriesDeps) {
  const topology: Topology = { partitionCount: deps.partitionCount, shardCount: deps.shards.length };

  return {
    /** The store's top items from the one shard that owns it. Throws ShardFailure. */
    async topItemsOfStore(storeId: number): Promise<ItemCount[]> {
      const shard = deps.shards[shardOfStore(storeId, topology)]!;
      const { value, result } = await deps.itemsCache.get(`${shard.index}:${storeId}`, () =>
        shard.topItems(storeId),
      );
      deps.onCache(result);
      return value;
    },

    /** Every shard's top stores for the item, asked in parallel, merged. Never throws ShardFailure. */
    async topStoresOfItem(itemId: number): Promise<FanOutResult> {
      const settled = await Promise.allSettled(
        deps.shards.map(async (shard) => {
          const { value, result } = await deps.storesCache.get(`${shard.index}:${itemId}`, () =>
            shard.topStores(itemId),
          );
          deps.onCache(result);
          return value;
        }),
      );
      const answered: StoreCount[][] = [];
      const missingShards: number[] = [];
      const failures: ShardFailure[] = [];
      settled.forEach((outcome, shard) => {
        if (outcome.status === 'fulfilled') {
          answered.push(outcome.value);
          return;
        }
        missingShards.push(shard);
        const reason: unknown = outcome.reason;
        failures.push(
          reason instanceof ShardFailure ? reason : new ShardFailure(shard, 'error', { cause: reason }),
        );
      });
      return { stores: mergeTopStores(answered), answeredShards: answered.length, missingShards, failures };
    },
  };
}

export type StoreQueries = ReturnType<typeof createStoreQueries>;

/** What the top-stores endpoint answers, decided from the fan-out and `?partial`. */
export type TopStoresAnswer =
  | { readonly kind: 'ok'; readonly stores: StoreCount[]; readonly missingShards?: number[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'unavailable'; readonly missingShards: number[] };

/**
 * By default a missing shard makes the answer unavailable: a top 10 without one shard's stores may be
 * wrong, and a wrong answer is worse than none. With `partial`, the shards that answered are merged and
 * the missing ones named (an empty list when none is missing); with no shard answering there is nothing
 * to give. Not found only when every shard answered and none knows the item.
 */
export function decideTopStores(result: FanOutResult, partial: boolean): TopStoresAnswer {
  const { stores, missingShards } = result;
  if (missingShards.length === 0) {
    if (stores.length === 0) return { kind: 'not-found' };
    return partial ? { kind: 'ok', stores, missingShards } : { kind: 'ok', stores };
  }
  if (!partial || result.answeredShards === 0) return { kind: 'unavailable', missingShards };
  return { kind: 'ok', stores, missingShards };
}
