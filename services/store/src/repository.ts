import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { ShardIdentity } from '@tillstream/contract';
import type { Logger } from '@tillstream/observability';
import type { ShardRepository } from './types.js';
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

/**
 * A shard database through a pg pool, with named (prepared once per connection) statements. Each
 * read checks a connection out, runs, and gives it back; `onPoolWait` hears how long the checkout
 * waited (seconds), so a pool too small for the load shows apart from a slow query.
 */
export function pgShardRepository(
  pool: pg.Pool,
  onPoolWait: (seconds: number) => void = () => {},
): ShardRepository {
  const run = async <R extends pg.QueryResultRow>(config: pg.QueryConfig<[number]>): Promise<R[]> => {
    const start = performance.now();
    const client = await pool.connect();
    onPoolWait((performance.now() - start) / 1000);
    let failure: Error | undefined;
    try {
      return (await client.query<R, [number]>(config)).rows;
    } catch (error) {
      failure = error as Error;
      throw error;
    } finally {
      // A connection whose query failed (e.g. statement_timeout, a dropped server) is not reused.
      client.release(failure);
    }
  };
  return {
    async topItems(storeId) {
      const rows = await run<{ item_id: number; quantity: string }>({
        name: 'store_top_items',
        text: TOP_ITEMS_SQL,
        values: [storeId],
      });
      return rows.map((row): ItemCount => ({
        itemID: row.item_id,
        numberOfItems: toCount(row.quantity),
      }));
    },
    async topStores(itemId) {
      const rows = await run<{ store_id: number; quantity: string }>({
        name: 'store_top_stores',
        text: TOP_STORES_SQL,
        values: [itemId],
      });
      return rows.map((row): StoreCount => ({
        storeID: row.store_id,
        numberOfItems: toCount(row.quantity),
      }));
    },
    async ping() {
      await pool.query('SELECT 1');
    },
  };
}

/** The shard's identity row (packages/schema/migrations/002_shard_identity.sql); undefined: none. */
export const SHARD_IDENTITY_SQL =
  'SELECT cluster_id, shard_index, shard_count, partition_count FROM shard_identity';

export async function readShardIdentity(url: string): Promise<ShardIdentity | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined); // a dropped connection also rejects the pending query
  await client.connect();
  try {
    const { rows } = await client.query<{
      cluster_id: string;
      shard_index: number;
      shard_count: number;
      partition_count: number;
    }>(SHARD_IDENTITY_SQL);
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          clusterId: row.cluster_id,
          shardIndex: row.shard_index,
          shardCount: row.shard_count,
          partitionCount: row.partition_count,
        };
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return undefined; // not migrated
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
