import pg from 'pg';
import { WRITE_PARTITION_CHUNK_SQL } from '@tillstream/schema';
import type { Logger } from '@tillstream/observability';
import type { WriteRows } from './rows.js';
import type { ShardStore, ShardTransaction, WriteResult } from './batch-processor.js';

/** Locks the partition's progress row (creating it at offset 0) for the rest of the transaction. */
const LOCK_PARTITION = `
INSERT INTO consumer_offsets AS o (topic, kafka_partition, next_offset) VALUES ($1, $2, 0)
ON CONFLICT (topic, kafka_partition) DO UPDATE SET next_offset = o.next_offset
RETURNING next_offset`;

const ADVANCE = `
UPDATE consumer_offsets SET next_offset = GREATEST(next_offset, $3::bigint), updated_at = now()
WHERE topic = $1 AND kafka_partition = $2`;

export interface ShardPoolOptions {
  readonly urls: readonly string[];
  readonly poolMax: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

export interface PgShardStore extends ShardStore {
  /** SELECT 1 on a shard; rejects when it is unreachable. */
  probe(shard: number): Promise<void>;
  end(): Promise<void>;
}

/** A connection pool per shard, in SHARD_URLS order. */
export function createShardStore(options: ShardPoolOptions, log: Logger): PgShardStore {
  const pools = options.urls.map((url, shard) => {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: options.idleTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      application_name: 'tillstream-consumer',
    });
    // An idle client whose server went away emits here; without a listener the process would crash.
    pool.on('error', (error) => log.warn({ shard, err: error.message }, 'idle shard connection failed'));
    return pool;
  });
  const poolOf = (shard: number): pg.Pool => {
    const pool = pools[shard];
    if (!pool) throw new RangeError(`no shard ${shard}; SHARD_URLS has ${pools.length}`);
    return pool;
  };

  return {
    async transaction<T>(shard: number, work: (tx: ShardTransaction) => Promise<T>): Promise<T> {
      const client = await poolOf(shard).connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(pgTransaction(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is gone; discard it instead of returning it to the pool.
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async probe(shard) {
      await poolOf(shard).query('SELECT 1');
    },
    async end() {
      await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    },
  };
}

function pgTransaction(client: pg.PoolClient): ShardTransaction {
  return {
    async lockPartition(topic, partition) {
      const { rows } = await client.query<{ next_offset: string }>(LOCK_PARTITION, [topic, partition]);
      return Number(rows[0]!.next_offset);
    },
    async write(topic, partition, rows: WriteRows, nextOffset): Promise<WriteResult> {
      const { purchases: p, items: i } = rows;
      const result = await client.query<{
        received_ms: number[];
        conflict_ids: string[];
        conflict_first_ids: string[];
      }>(WRITE_PARTITION_CHUNK_SQL, [
        topic,
        partition,
        p.purchaseIds,
        p.storeIds,
        p.customerIds,
        p.dates,
        p.receivedAts,
        p.offsets,
        i.purchaseIds,
        i.itemIds,
        i.quantities,
        nextOffset,
        p.idempotencyKeyHashes,
      ]);
      const row = result.rows[0];
      const firsts = row?.conflict_first_ids ?? [];
      return {
        insertedReceivedAtMs: row?.received_ms ?? [],
        keyConflicts: (row?.conflict_ids ?? []).map((purchaseId, i) => ({
          purchaseId,
          firstPurchaseId: firsts[i]!,
        })),
      };
    },
    async advance(topic, partition, nextOffset) {
      await client.query(ADVANCE, [topic, partition, nextOffset]);
    },
  };
}
