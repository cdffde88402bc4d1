/**
 * Read-only queries against the shards, for the post-run check. Every query is bounded to the run's
 * store-id range (each run uses fresh store ids, so earlier runs never disturb the comparison).
 */
import pg from 'pg';
import type { ItemQuantity } from './ledger.js';

export interface StoreAggregate {
  readonly shard: number;
  readonly storeId: number;
  /** Sum of store_item_totals.quantity. */
  readonly total: number;
  /** Distinct items (rows of store_item_totals). */
  readonly items: number;
}

export class ShardReader {
  readonly #pools: pg.Pool[];

  constructor(urls: readonly string[]) {
    this.#pools = urls.map((connectionString) => new pg.Pool({ connectionString, max: 2 }));
  }

  get shardCount(): number {
    return this.#pools.length;
  }

  /** Sum of quantities in store_item_totals for stores in [fromStore, toStore], over all shards. */
  async totalQuantity(fromStore: number, toStore: number): Promise<number> {
    const sums = await Promise.all(
      this.#pools.map(async (pool) => {
        const { rows } = await pool.query<{ total: string | null }>(
          'SELECT sum(quantity)::text AS total FROM store_item_totals WHERE store_id BETWEEN $1 AND $2',
          [fromStore, toStore],
        );
        return Number(rows[0]?.total ?? 0);
      }),
    );
    return sums.reduce((a, b) => a + b, 0);
  }

  /** Per shard and store: total quantity and distinct items. */
  async storeAggregates(fromStore: number, toStore: number): Promise<StoreAggregate[]> {
    const perShard = await Promise.all(
      this.#pools.map(async (pool, shard) => {
        const { rows } = await pool.query<{ store_id: number; total: string; items: string }>(
          `SELECT store_id, sum(quantity)::text AS total, count(*)::text AS items
             FROM store_item_totals WHERE store_id BETWEEN $1 AND $2 GROUP BY store_id`,
          [fromStore, toStore],
        );
        return rows.map((r) => ({
          shard,
          storeId: r.store_id,
          total: Number(r.total),
          items: Number(r.items),
        }));
      }),
    );
    return perShard.flat();
  }

  /** Per store: rows in `purchases` (one per purchase written, whatever its retries). */
  async purchaseCounts(fromStore: number, toStore: number): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    await Promise.all(
      this.#pools.map(async (pool) => {
        const { rows } = await pool.query<{ store_id: number; n: string }>(
          'SELECT store_id, count(*)::text AS n FROM purchases WHERE store_id BETWEEN $1 AND $2 GROUP BY store_id',
          [fromStore, toStore],
        );
        for (const r of rows) counts.set(r.store_id, (counts.get(r.store_id) ?? 0) + Number(r.n));
      }),
    );
    return counts;
  }

  /** Every (item, quantity) of one store on one shard, ascending by item id. */
  async storeItems(shard: number, storeId: number): Promise<ItemQuantity[]> {
    const pool = this.#pools[shard];
    if (!pool) throw new RangeError(`no shard ${shard}`);
    const { rows } = await pool.query<{ item_id: number; quantity: string }>(
      'SELECT item_id, quantity::text AS quantity FROM store_item_totals WHERE store_id = $1 ORDER BY item_id',
      [storeId],
    );
    return rows.map((r) => ({ itemId: r.item_id, quantity: Number(r.quantity) }));
  }

  /** The largest store id on any shard; undefined when no shard holds a store (0 is a store id). */
  async maxStoreId(): Promise<number | undefined> {
    const maxima = await Promise.all(
      this.#pools.map(async (pool) => {
        const { rows } = await pool.query<{ max: number | null }>(
          'SELECT max(store_id) AS max FROM store_item_totals',
        );
        return rows[0]?.max ?? undefined;
      }),
    );
    const found = maxima.filter((m): m is number => m !== undefined);
    return found.length === 0 ? undefined : Math.max(...found);
  }

  async close(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.end()));
  }
}
