// A shard that goes away: its partitions pause and retry with backoff — never skipped, never
// dead-lettered — while every other shard keeps being written; when it returns they catch up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { shardOfStore, type Topology } from '@tillstream/contract';
import {
  createTestShards,
  createTestTopic,
  startService,
  type RunningService,
  type TestShards,
  type TestTopic,
} from '@tillstream/stack/harness';
import {
  TestProducer,
  consumerEnv,
  ledger,
  makeEvents,
  metricValue,
  readAllTotals,
  readShard,
  sortedEntries,
  waitFor,
  withClient,
} from '../support/pipeline.js';

const DOWN = 2;

/** The maintenance database of the server behind `url`, where ALTER DATABASE can run. */
function serverUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

async function setAllowConnections(url: string, allow: boolean): Promise<void> {
  const database = new URL(url).pathname.slice(1);
  await withClient(serverUrl(url), async (client) => {
    await client.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} ALLOW_CONNECTIONS ${allow}`);
    if (!allow) {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
        database,
      ]);
    }
  });
}

describe('a shard unavailable for a while', () => {
  let topic: TestTopic;
  let shards: TestShards;
  let consumer: RunningService;
  let producer: TestProducer;
  let topology: Topology;

  before(async () => {
    topic = await createTestTopic(12);
    shards = await createTestShards();
    topology = { partitionCount: 12, shardCount: shards.urls.length };
    consumer = await startService('consumer', consumerEnv(topic, shards.urls));
    producer = await TestProducer.connect(topic.brokers, topic.topic, topology);
  });

  after(async () => {
    await setAllowConnections(shards.urls[DOWN]!, true).catch(() => undefined);
    await producer?.disconnect();
    await consumer?.stop();
    await topic?.remove();
    await shards?.remove();
  });

  it('pauses only its partitions, keeps the other shards current, and catches up when it returns', async () => {
    const stores = Array.from({ length: 80 }, (_, i) => 500 + i);
    const shardOf = (store: number) => shardOfStore(store, topology);
    const up = shards.urls.filter((_, shard) => shard !== DOWN);
    const upStores = new Set(stores.filter((s) => shardOf(s) !== DOWN));
    const expectedUp = (totals: Map<string, number>) =>
      sortedEntries(new Map([...totals].filter(([k]) => upStores.has(Number(k.split(':')[0])))));

    const before = makeEvents(200, stores);
    await producer.send(before);
    await waitFor(
      async () =>
        JSON.stringify(sortedEntries(await readAllTotals(shards.urls))) ===
        JSON.stringify(sortedEntries(ledger(before))),
      30_000,
      'the first wave on every shard',
    );

    await setAllowConnections(shards.urls[DOWN]!, false);
    const during = makeEvents(400, stores);
    await producer.send(during);
    const all = [...before, ...during];

    // The other shards take the whole second wave while one shard is down.
    await waitFor(
      async () => {
        const totals = new Map<string, number>();
        for (const url of up) for (const [k, v] of (await readShard(url)).totals) totals.set(k, v);
        return JSON.stringify(sortedEntries(totals)) === JSON.stringify(expectedUp(ledger(all)));
      },
      30_000,
      'the shards that are up to hold the second wave',
    );
    await waitFor(
      async () => (await metricValue(consumer.url, 'consumer_retries_total', { shard: String(DOWN) })) >= 2,
      30_000,
      'retries on the shard that is down',
    );
    // Between two attempts a partition is paused for its backoff delay, and fetching while it tries
    // again: wait for a moment when one of them is paused rather than sampling once.
    await waitFor(
      async () => (await metricValue(consumer.url, 'consumer_partitions_paused')) >= 1,
      10_000,
      'its partitions paused',
    );
    assert.equal(await metricValue(consumer.url, 'shard_up', { shard: String(DOWN) }), 0);
    for (const shard of [0, 1, 3]) {
      assert.equal(await metricValue(consumer.url, 'consumer_retries_total', { shard: String(shard) }), 0);
    }

    await setAllowConnections(shards.urls[DOWN]!, true);
    await waitFor(
      async () =>
        JSON.stringify(sortedEntries(await readAllTotals(shards.urls))) ===
        JSON.stringify(sortedEntries(ledger(all))),
      60_000,
      'the returning shard to catch up',
    );
    assert.equal(await metricValue(consumer.url, 'consumer_dlq_events_total'), 0, 'nothing dead-lettered');
    await waitFor(
      async () => (await metricValue(consumer.url, 'consumer_partitions_paused')) === 0,
      10_000,
      'no partition paused',
    );
    assert.equal(await metricValue(consumer.url, 'shard_up', { shard: String(DOWN) }), 1);
  });
});
