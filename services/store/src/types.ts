/**
 * The store service's ports: what its domain code (src/domain/) needs from the shard databases and
 * from the metrics, implemented by the adapters beside this file (repository.ts over pg, metrics.ts
 * over prom-client).
 */
import type { Target } from './domain/hedged-call.js';
import type { ItemCount, StoreCount } from './domain/top-lists.js';

/** What the service reads from one shard database (a primary or a replica). */
export interface ShardRepository {
  /** The store's top 10 items, in the documented order; empty when it has none. */
  topItems(storeId: number): Promise<ItemCount[]>;
  /** This shard's top 10 stores for the item, in the documented order. */
  topStores(itemId: number): Promise<StoreCount[]>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
}

export type QueryKind = 'top_items' | 'top_stores';

/** Where a shard client reports what happened; the metrics adapter implements it. */
export interface ShardObserver {
  queryDuration(shard: number, query: QueryKind, target: Target, seconds: number): void;
  hedgeSent(shard: number): void;
  hedgeWon(shard: number): void;
  timedOut(shard: number): void;
  shardUp(shard: number, up: boolean): void;
}
