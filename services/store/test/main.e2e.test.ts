import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTestShards,
  createTestTopic,
  startService,
  uniqueName,
  type RunningService,
  type TestShards,
  type TestTopic,
} from '@tillstream/stack/harness';
import { groundTruth, randomPurchases, type Purchase } from './support/seed.js';

const PARTITIONS = 12;

/**
 * The whole pipeline: purchases POSTed to the purchase service travel through Kafka and the consumer
 * into the shards, and the store service's answers equal a ground truth computed from what was posted.
 */
describe('store answers after purchases flow through the real pipeline', () => {
  let topic: TestTopic;
  let shards: TestShards;
  const services: RunningService[] = [];
  let store: RunningService;
  let purchase: RunningService;

  before(async () => {
    [topic, shards] = await Promise.all([createTestTopic(PARTITIONS), createTestShards()]);
    const kafka = {
      KAFKA_BROKERS: topic.brokers.join(','),
      KAFKA_TOPIC: topic.topic,
      KAFKA_DLQ_TOPIC: topic.dlqTopic,
      KAFKA_PARTITIONS: String(PARTITIONS),
    };
    const shardUrls = shards.urls.join(',');
    const started = await Promise.all([
      startService('consumer', { ...kafka, SHARD_URLS: shardUrls, KAFKA_GROUP_ID: uniqueName('store-e2e') }),
      startService('purchase', { ...kafka, PURCHASE_WORKERS: '1' }),
      startService('store', {
        SHARD_URLS: shardUrls,
        KAFKA_PARTITIONS: String(PARTITIONS),
        STORE_WORKERS: '1',
        STORE_CACHE_TTL_MS: '0',
      }),
    ]);
    services.push(...started);
    [, purchase, store] = started as [RunningService, RunningService, RunningService];
  });

  after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all([topic?.remove(), shards?.remove()]);
  });

  it('both endpoints equal the ground truth, ties and short lists included', async () => {
    const purchases: Purchase[] = [
      ...randomPurchases(11, 150, 25, 15),
      { storeId: 7001, customerId: 1, items: [1, 2].map((itemId) => ({ itemId, quantity: 5 })) },
    ];
    for (const p of purchases) {
      const response = await fetch(
        `${purchase.url}/purchase/${p.storeId}/customer/${p.customerId}/date/20250101`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            items: p.items.map((i) => ({ ItemID: String(i.itemId), numberOfItems: i.quantity })),
          }),
        },
      );
      assert.equal(response.status, 201, await response.text());
    }
    const truth = groundTruth(purchases);
    const expected = new Map<string, unknown>([
      ...truth.stores.map((s) => [`/items/store/${s}`, { stores: truth.topItems(s) }] as const),
      ...truth.items.map((i) => [`/items/top10/${i}`, { stores: truth.topStores(i) }] as const),
    ]);
    const mismatches = async () => {
      const wrong: string[] = [];
      for (const [path, body] of expected) {
        const response = await fetch(`${store.url}${path}`);
        const actual = response.status === 200 ? await response.json() : { status: response.status };
        try {
          assert.deepEqual(actual, body);
        } catch {
          wrong.push(path);
        }
      }
      return wrong;
    };
    const deadline = Date.now() + 90_000;
    let wrong = await mismatches();
    while (wrong.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      wrong = await mismatches();
    }
    assert.deepEqual(wrong, [], 'store answers that never matched the ground truth');
    assert.equal((await fetch(`${store.url}/items/store/7002`)).status, 404);
  });
});
