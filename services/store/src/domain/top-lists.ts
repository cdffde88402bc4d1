/** One row of "top items of a store". */
export interface ItemCount {
  readonly itemID: number;
  readonly numberOfItems: number;
}

/** One row of "top stores of an item". */
export interface StoreCount {
  readonly storeID: number;
  readonly numberOfItems: number;
}

/** Both lists hold at most this many rows, on each shard and after the merge. */
export const TOP_N = 10;

/**
 * A total as a JSON number. PostgreSQL returns `bigint` as a string; every realistic total fits in a
 * double exactly, and one that does not is a bug to surface, not a number to round.
 */
export function toCount(value: string | number | bigint): number {
  const count = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`total ${String(value)} is not a safe non-negative integer`);
  }
  return count;
}

/** numberOfItems descending, then storeID ascending: the documented, deterministic order. */
export function compareStoreCounts(a: StoreCount, b: StoreCount): number {
  return b.numberOfItems - a.numberOfItems || a.storeID - b.storeID;
}

/** numberOfItems descending, then itemID ascending. */
export function compareItemCounts(a: ItemCount, b: ItemCount): number {
  return b.numberOfItems - a.numberOfItems || a.itemID - b.itemID;
}

/**
 * Merges each shard's top list into the global top `limit`. Correct because every store lives on
 * exactly one shard (the shard map), so the global top 10 is within the union of the shards' top 10s.
 */
export function mergeTopStores(perShard: readonly (readonly StoreCount[])[], limit = TOP_N): StoreCount[] {
  return perShard
    .flat()
    .sort(compareStoreCounts)
    .slice(0, limit)
    .map((row) => ({ storeID: row.storeID, numberOfItems: row.numberOfItems }));
}
