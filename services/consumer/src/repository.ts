import pg from 'pg';
import { WRITE_PARTITION_CHUNK_SQL } from '@tillstream/schema';
import type { Logger } from '@tillstream/observability';
import type { ShardPoolOptions } from './config.js';
import type { WriteRows } from './domain/rows.js';
import type {
  PartitionExpectation,
  ShardStore,
  ShardTransaction,
  StoredOffset,
  WriteResult,
} from './types.js';
import { advancePartitionOffset, lockPartitionOffset, readPartitionOffsets } from './offsets.js';

export interface PgShardStore extends ShardStore {
  /** SELECT 1 on a shard; rejects when it is unreachable. */
  probe(shard: number): Promise<void>;
  /** What the shard has stored of `partitions` of `topic`. */
  readOffsets(
    shard: number,
    topic: string,
    partitions: readonly number[],
  ): Promise<Map<number, StoredOffset>>;
  end(): Promise<void>;
}

/**
 * A connection pool per shard, in SHARD_URLS order. `expect` says what the consumer knows of a
 * partition (topic incarnation, position): a transaction refuses stored progress that contradicts it.
 */
export function createShardStore(
  options: ShardPoolOptions,
  log: Logger,
  expect: (partition: number) => PartitionExpectation = () => ({}),
): PgShardStore {
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
      // The pool listens for errors of idle clients only: a checked-out client reports a server-side
      // termination (shutdown, pg_terminate_backend) as an 'error' event, which would otherwise crash
      // the process. The pending or next query rejects as well; the client is then discarded.
      const onError = (error: Error) => (broken = error);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(pgTransaction(client, expect));
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
        client.off('error', onError);
        client.release(broken);
      }
    },
    async probe(shard) {
      await poolOf(shard).query('SELECT 1');
    },
    readOffsets(shard, topic, partitions) {
      return readPartitionOffsets(poolOf(shard), topic, partitions);
    },
    async end() {
      await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    },
  };
}

function pgTransaction(
  client: pg.PoolClient,
  expect: (partition: number) => PartitionExpectation,
): ShardTransaction {
  return {
    lockPartition(topic, partition) {
      return lockPartitionOffset(client, topic, partition, expect(partition));
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
    advance(topic, partition, nextOffset) {
      return advancePartitionOffset(client, topic, partition, nextOffset);
    },
  };
}
