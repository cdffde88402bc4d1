import pg from 'pg';
import type { Logger } from '@tillstream/observability';
import type { ShardRepository } from './domain/shard-client.js';
import { TOP_N, toCount, type ItemCount, type StoreCount } from './domain/top-lists.js';

/**
 * The two reads, each the first TOP_N entries of one index (migrations/001_purchases.sql):
 * store_item_totals_top_items (store_id, quantity DESC, item_id) and
 * store_item_totals_top_stores (item_id, quantity DESC, store_id). Parameterised only.
 */
export const TOP_ITEMS_SQL = `SELECT item_id, quantity FROM store_item_totals
 WHERE store_id = $1 ORDER BY quantity DESC, item_id ASC LIMIT ${TOP_N}`;
export const TOP_STORES_SQL = `SELECT store_id, quantity FROM store_item_totals
 WHERE item_id = $1 ORDER BY quantity DESC, store_id ASC LIMIT ${TOP_N}`;

export interface PoolOptions {
  readonly url: string;
  readonly max: number;
  /** Connect timeout; the server also cancels any statement running longer than twice this. */
  readonly timeoutMs: number;
  readonly applicationName: string;
}

export function createPool(options: PoolOptions, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: options.timeoutMs,
    idleTimeoutMillis: 30_000,
    // A hedge loser or a timed-out call keeps running on the server; this bounds it.
    statement_timeout: options.timeoutMs * 2,
    application_name: options.applicationName,
  });
  // An idle connection dropped by the server (restart, terminate) must not crash the worker.
  pool.on('error', (error) => log.warn({ err: error }, 'idle shard connection failed'));
  return pool;
}

/** A shard database through a pg pool, with named (prepared once per connection) statements. */
export function pgShardRepository(pool: pg.Pool): ShardRepository {
  return {
    async topItems(storeId) {
      const result = await pool.query<{ item_id: number; quantity: string }>({
        name: 'store_top_items',
        text: TOP_ITEMS_SQL,
        values: [storeId],
      });
      return result.rows.map((row): ItemCount => ({
        itemID: row.item_id,
        numberOfItems: toCount(row.quantity),
      }));
    },
    async topStores(itemId) {
      const result = await pool.query<{ store_id: number; quantity: string }>({
        name: 'store_top_stores',
        text: TOP_STORES_SQL,
        values: [itemId],
      });
      return result.rows.map((row): StoreCount => ({
        storeID: row.store_id,
        numberOfItems: toCount(row.quantity),
      }));
    },
    async ping() {
      await pool.query('SELECT 1');
    },
  };
}
