import pg from 'pg';
import type { PurchaseEvent } from '@tillstream/contract';
import type { Logger } from '@tillstream/observability';
import { WRITE_PURCHASES_SQL, purchaseWriteParams } from '@tillstream/schema';
import type { ShardPoolOptions } from '../config.js';

export interface SingleDbWriter {
  /** One transaction: the purchases not yet stored, their items and totals; resolves with how many were new. */
  write(events: readonly PurchaseEvent[]): Promise<number>;
  probe(): Promise<void>;
  end(): Promise<void>;
}

/** The rabbitmq baseline's database: the first of SHARD_URLS, with the shard pool's settings. */
export function createSingleDbWriter(options: ShardPoolOptions, log: Logger): SingleDbWriter {
  const pool = new pg.Pool({
    connectionString: options.urls[0],
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: 'tillstream-consumer-rabbitmq',
  });
  pool.on('error', (error) => log.warn({ err: error.message }, 'idle database connection failed'));
  return {
    async write(events) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ inserted: number }>(
          WRITE_PURCHASES_SQL,
          purchaseWriteParams(events),
        );
        await client.query('COMMIT');
        return rows[0]?.inserted ?? 0;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async probe() {
      await pool.query('SELECT 1');
    },
    async end() {
      await pool.end().catch(() => undefined);
    },
  };
}
