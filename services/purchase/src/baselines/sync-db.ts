import pg from 'pg';
import type { Logger } from '@tillstream/observability';
import { WRITE_PURCHASES_SQL, purchaseWriteParams, type PurchaseToWrite } from '@tillstream/schema';
import { PublisherUnavailableError, type OutgoingMessage, type Publisher } from '../types.js';

export interface SyncDbPublisherOptions {
  readonly url: string;
  /** Connections of this worker's pool: purchases written at once. */
  readonly poolMax: number;
  readonly connectionTimeoutMs: number;
  /** How often an unreachable database is probed again. */
  readonly reconnectBackoffMs: number;
  readonly log: Logger;
  readonly onConnectedChange?: (connected: boolean) => void;
}

/**
 * The sync-db baseline (the CS6650 assignment's first design): each purchase is written to one
 * Postgres inside the request — purchases, purchase_items and the store_item_totals upsert in one
 * transaction — and `send` resolves only after COMMIT, so the 201 means the row is durable. The same
 * purchase_id dedup as the Kafka design keeps Idempotency-Key retries counted once.
 */
export class SyncDbPublisher implements Publisher {
  private readonly pool: pg.Pool;
  private connected = false;
  private stopped = false;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SyncDbPublisherOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax,
      connectionTimeoutMillis: options.connectionTimeoutMs,
      application_name: 'tillstream-purchase-sync-db',
    });
    this.pool.on('error', (error) =>
      options.log.warn({ err: error.message }, 'idle database connection failed'),
    );
  }

  isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    void this.probe();
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (!this.connected) throw new PublisherUnavailableError('the database is not reachable');
    const params = purchaseWriteParams(messages.map(purchaseOfMessage));
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.onFailure(error);
      throw new PublisherUnavailableError(`no database connection: ${(error as Error).message}`, {
        cause: error,
      });
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(WRITE_PURCHASES_SQL, params);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      if (broken) this.onFailure(error);
      throw new PublisherUnavailableError(`the write failed: ${(error as Error).message}`, { cause: error });
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.probeTimer);
    this.setConnected(false);
    await this.pool.end().catch(() => undefined);
  }

  private onFailure(error: unknown): void {
    if (!this.connected || this.stopped) return;
    this.options.log.warn({ err: (error as Error).message }, 'database unreachable; probing again');
    this.setConnected(false);
    this.probeTimer = setTimeout(() => void this.probe(), this.options.reconnectBackoffMs);
  }

  private async probe(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.pool.query('SELECT 1');
      this.setConnected(true);
    } catch (error) {
      this.options.log.warn({ err: (error as Error).message }, 'database not reachable yet; retrying');
      this.probeTimer = setTimeout(() => void this.probe(), this.options.reconnectBackoffMs);
    }
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.options.onConnectedChange?.(connected);
  }
}

/**
 * The purchase a message carries. The value was encoded by this service from a validated event a
 * moment ago, so a plain JSON.parse suffices (re-validating would add CPU the baseline does not need).
 */
export function purchaseOfMessage(message: OutgoingMessage): PurchaseToWrite {
  return JSON.parse(message.value) as PurchaseToWrite;
}
