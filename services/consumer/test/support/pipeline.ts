// Helpers shared by the consumer's integration tests: events, a producer keyed like the purchase
// service's, the ledger of what was produced, and readers of what landed on each shard.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import {
  EventHeaders,
  PURCHASE_EVENT_VERSION,
  encodePurchaseEvent,
  partitionOfStore,
  storeKey,
  type PurchaseEvent,
  type Topology,
} from '@tillstream/contract';

export function makeEvent(storeId: number, overrides: Partial<PurchaseEvent> = {}): PurchaseEvent {
  const itemCount = 1 + Math.floor(Math.random() * 4);
  const itemIds = new Set<number>();
  while (itemIds.size < itemCount) itemIds.add(1 + Math.floor(Math.random() * 50));
  return {
    v: 1,
    purchaseId: randomUUID(),
    storeId,
    customerId: 1 + Math.floor(Math.random() * 1000),
    date: '2025-03-14',
    items: [...itemIds].map((itemId) => ({ itemId, quantity: 1 + Math.floor(Math.random() * 9) })),
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
}

export function makeEvents(count: number, storeIds: readonly number[]): PurchaseEvent[] {
  return Array.from({ length: count }, (_, i) => makeEvent(storeIds[i % storeIds.length]!));
}

/** A producer that places messages exactly as the purchase service does (key = store id). */
export class TestProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly topology: Topology,
  ) {}

  static async connect(brokers: string[], topic: string, topology: Topology): Promise<TestProducer> {
    const kafka = new Kafka({ clientId: 'consumer-test', brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return new TestProducer(producer, topic, topology);
  }

  async send(events: readonly PurchaseEvent[]): Promise<void> {
    await this.sendRaw(
      events.map((event) => ({
        storeId: event.storeId,
        value: encodePurchaseEvent(event),
      })),
    );
  }

  /** Any value on the partition of `storeId`, e.g. a poison one. */
  async sendRaw(
    messages: readonly { storeId: number; value: string | null; partition?: number }[],
  ): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: storeKey(m.storeId),
        value: m.value,
        partition: m.partition ?? partitionOfStore(m.storeId, this.topology),
        headers: {
          [EventHeaders.schemaVersion]: String(PURCHASE_EVENT_VERSION),
          [EventHeaders.contentType]: 'application/json',
        },
      })),
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}

export type Totals = Map<string, number>;

/** What the aggregates must be: each purchaseId counted once. */
export function ledger(events: readonly PurchaseEvent[]): Totals {
  const seen = new Set<string>();
  const totals: Totals = new Map();
  for (const event of events) {
    if (seen.has(event.purchaseId)) continue;
    seen.add(event.purchaseId);
    for (const item of event.items) {
      const key = `${event.storeId}:${item.itemId}`;
      totals.set(key, (totals.get(key) ?? 0) + item.quantity);
    }
  }
  return totals;
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface ShardContents {
  readonly totals: Totals;
  readonly purchases: number;
  readonly items: number;
  readonly stores: Set<number>;
}

export async function readShard(url: string): Promise<ShardContents> {
  return withClient(url, async (client) => {
    const totals = await client.query<{ store_id: number; item_id: number; quantity: string }>(
      'SELECT store_id, item_id, quantity FROM store_item_totals',
    );
    const purchases = await client.query<{ store_id: number; n: string }>(
      'SELECT store_id, count(*) AS n FROM purchases GROUP BY store_id',
    );
    const items = await client.query<{ n: string }>('SELECT count(*) AS n FROM purchase_items');
    return {
      totals: new Map(totals.rows.map((r) => [`${r.store_id}:${r.item_id}`, Number(r.quantity)])),
      purchases: purchases.rows.reduce((sum, r) => sum + Number(r.n), 0),
      items: Number(items.rows[0]!.n),
      stores: new Set(purchases.rows.map((r) => r.store_id)),
    };
  });
}

/** The totals of all shards together; throws if one (store, item) appears on two shards. */
export async function readAllTotals(urls: readonly string[]): Promise<Totals> {
  const all: Totals = new Map();
  for (const url of urls) {
    for (const [key, quantity] of (await readShard(url)).totals) {
      if (all.has(key)) throw new Error(`${key} is on two shards`);
      all.set(key, quantity);
    }
  }
  return all;
}

export async function countPurchases(urls: readonly string[]): Promise<number> {
  let total = 0;
  for (const url of urls) {
    total += await withClient(url, async (c) =>
      Number((await c.query('SELECT count(*) AS n FROM purchases')).rows[0].n),
    );
  }
  return total;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

export function sortedEntries(totals: Totals): [string, number][] {
  return [...totals.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** The environment of a consumer under test. */
export function consumerEnv(
  topic: { topic: string; dlqTopic: string; brokers: string[]; partitions: number },
  shardUrls: readonly string[],
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_DLQ_TOPIC: topic.dlqTopic,
    KAFKA_PARTITIONS: String(topic.partitions),
    KAFKA_GROUP_ID: `${topic.topic}-writers`,
    SHARD_URLS: shardUrls.join(','),
    KAFKA_MAX_WAIT_TIME_MS: '100',
    CONSUMER_LAG_INTERVAL_MS: '500',
    SHARD_PROBE_INTERVAL_MS: '500',
    CONSUMER_RETRY_INITIAL_MS: '100',
    CONSUMER_RETRY_MAX_MS: '1000',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** One value of a metric from the Prometheus text, summed over series matching `labels`. */
export async function metricValue(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
