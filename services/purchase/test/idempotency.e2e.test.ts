import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { EventHeaders, shardOfStore } from '@tillstream/contract';
import {
  createTestShards,
  createTestTopic,
  startService,
  uniqueName,
  type RunningService,
  type TestShards,
  type TestTopic,
} from '@tillstream/stack/harness';
import { readTopic } from './support/topic-reader.js';

const PARTITIONS = 12;
const STORE = 4242;
const PATH = `/purchase/${STORE}/customer/7/date/20250101`;

function post(url: string, body: unknown, key: string) {
  return fetch(`${url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
}

async function purchaseIdOf(response: Response): Promise<string> {
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return (JSON.parse(text) as { purchaseId: string }).purchaseId;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * An Idempotency-Key names one request, through the real pipeline (purchase service → Kafka →
 * consumer → shard). The same request twice is one purchase; a different purchase under a reused key
 * is refused 422 by a worker that remembers the key, and otherwise counted, with the conflict recorded
 * (metric, log, a note on the dead-letter topic) — never acknowledged and then dropped.
 */
describe('Idempotency-Key reuse through the pipeline', () => {
  let topic: TestTopic;
  let shards: TestShards;
  const services: RunningService[] = [];
  let forgetful: RunningService;
  let remembering: RunningService;
  let consumer: RunningService;

  before(async () => {
    [topic, shards] = await Promise.all([createTestTopic(PARTITIONS), createTestShards()]);
    const kafka = {
      KAFKA_BROKERS: topic.brokers.join(','),
      KAFKA_TOPIC: topic.topic,
      KAFKA_DLQ_TOPIC: topic.dlqTopic,
      KAFKA_PARTITIONS: String(PARTITIONS),
      LOG_LEVEL: 'warn',
    };
    const started = await Promise.all([
      // Stands for another worker or replica: it has never seen the key.
      startService('purchase', {
        ...kafka,
        PURCHASE_WORKERS: '1',
        PURCHASE_IDEMPOTENCY_KEYS_REMEMBERED: '0',
      }),
      startService('purchase', { ...kafka, PURCHASE_WORKERS: '1' }),
      startService('consumer', {
        ...kafka,
        SHARD_URLS: shards.urls.join(','),
        KAFKA_GROUP_ID: uniqueName('idempotency-e2e'),
        KAFKA_MAX_WAIT_TIME_MS: '100',
      }),
    ]);
    services.push(...started);
    [forgetful, remembering, consumer] = started as [RunningService, RunningService, RunningService];
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all([topic?.remove(), shards?.remove()]);
  });

  it('same key + same request: one purchase; same key + another request: 422 or counted and recorded', async () => {
    const first = { items: [{ ItemID: '1', numberOfItems: 2 }] };
    const second = { items: [{ ItemID: '2', numberOfItems: 5 }] };
    const firstId = await purchaseIdOf(await post(forgetful.url, first, 'till-7-receipt-1'));
    // A retry, to another instance, spelled differently: the same request.
    const retryId = await purchaseIdOf(
      await post(remembering.url, { items: [{ ItemID: 1, 'numberOfItems:': 2 }] }, 'till-7-receipt-1'),
    );
    assert.equal(retryId, firstId);
    // The remembering instance knows the key now and refuses another request under it.
    const refused = await post(remembering.url, second, 'till-7-receipt-1');
    assert.equal(refused.status, 422);
    assert.equal(((await refused.json()) as { code: string }).code, 'IDEMPOTENCY_KEY_REUSED');
    // The forgetful instance cannot tell: the purchase is acknowledged, so it must be counted.
    const secondId = await purchaseIdOf(await post(forgetful.url, second, 'till-7-receipt-1'));
    assert.notEqual(secondId, firstId);

    const shardUrl =
      shards.urls[shardOfStore(STORE, { partitionCount: PARTITIONS, shardCount: shards.urls.length })]!;
    const client = new pg.Client({ connectionString: shardUrl });
    await client.connect();
    try {
      const rows = await waitFor(async () => {
        const { rows } = await client.query<{ purchase_id: string; item_id: number; quantity: number }>(
          `SELECT p.purchase_id, i.item_id, i.quantity FROM purchases p JOIN purchase_items i USING (purchase_id)
           WHERE p.store_id = $1 ORDER BY i.item_id`,
          [STORE],
        );
        return rows.length >= 2 ? rows : undefined;
      }, 'both purchases on the shard');
      assert.deepEqual(
        rows.map((r) => [r.purchase_id, r.item_id, r.quantity]),
        [
          [firstId, 1, 2],
          [secondId, 2, 5],
        ],
      );
      const totals = await client.query<{ item_id: number; quantity: string }>(
        'SELECT item_id, quantity FROM store_item_totals WHERE store_id = $1 ORDER BY item_id',
        [STORE],
      );
      assert.deepEqual(
        totals.rows.map((r) => [r.item_id, Number(r.quantity)]),
        [
          [1, 2],
          [2, 5],
        ],
        'the retry counted once, the other purchase counted too',
      );
    } finally {
      await client.end();
    }

    await waitFor(
      async () =>
        (await metric(consumer.url, 'consumer_idempotency_key_conflicts_total')) === 1 ? true : undefined,
      'the conflict metric',
    );
    const notes = await readTopic(topic.brokers, topic.dlqTopic, (m) => m.length >= 1, 15_000);
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.headers['dlq-reason'], 'idempotency-key-conflict');
    assert.match(notes[0]!.headers['dlq-detail'] ?? '', new RegExp(firstId));
    assert.match(notes[0]!.value ?? '', new RegExp(secondId));
    assert.ok(notes[0]!.headers[EventHeaders.idempotencyKeyHash]);
  });
});
