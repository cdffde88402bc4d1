// The built consumer (`node services/consumer/dist/main.js`) against real Kafka and four real shards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { partitionOfStore, shardOfStore, type Topology } from '@tillstream/contract';
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
  countPurchases,
  ledger,
  makeEvent,
  makeEvents,
  metricValue,
  readAllTotals,
  readShard,
  sortedEntries,
  waitFor,
  withClient,
  type Totals,
} from './support/pipeline.js';

function restrict(totals: Totals, stores: ReadonlySet<number>): [string, number][] {
  return sortedEntries(new Map([...totals].filter(([key]) => stores.has(Number(key.split(':')[0])))));
}

describe('consumer service', () => {
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
    await producer?.disconnect();
    await consumer?.stop();
    await topic?.remove();
    await shards?.remove();
  });

  it('writes each purchase, its items and its totals on the shard that owns its store, and nowhere else', async () => {
    const storeIds = Array.from({ length: 40 }, (_, i) => 1000 + i);
    const events = makeEvents(400, storeIds);
    await producer.send(events);
    await waitFor(async () => (await countPurchases(shards.urls)) === 400, 30_000, '400 purchases');

    const expected = ledger(events);
    for (let shard = 0; shard < shards.urls.length; shard++) {
      const owned = new Set(storeIds.filter((s) => shardOfStore(s, topology) === shard));
      assert.ok(owned.size > 0, `the chosen stores cover shard ${shard}`);
      const contents = await readShard(shards.urls[shard]!);
      assert.deepEqual([...contents.stores].sort(), [...owned].sort(), `stores on shard ${shard}`);
      assert.deepEqual(sortedEntries(contents.totals), restrict(expected, owned), `totals on shard ${shard}`);
      const ownedEvents = events.filter((e) => owned.has(e.storeId));
      assert.equal(
        contents.items,
        ownedEvents.reduce((n, e) => n + e.items.length, 0),
      );
    }
    assert.equal(await metricValue(consumer.url, 'consumer_rows_written_total'), 400);
  });

  it('counts a purchaseId once however often it is delivered', async () => {
    const storeIds = [2001, 2002, 2003];
    const events = makeEvents(30, storeIds);
    const repeated = [events[0]!, events[1]!, events[1]!];
    const before = await metricValue(consumer.url, 'consumer_duplicates_skipped_total');
    await producer.send([...events, ...repeated]); // repeats in the same batch
    await producer.send(repeated); // … and in a later batch
    const stores = new Set(storeIds);
    const expected = restrict(ledger(events), stores);
    await waitFor(
      async () =>
        (await metricValue(consumer.url, 'consumer_duplicates_skipped_total')) - before >= 5 &&
        JSON.stringify(restrict(await readAllTotals(shards.urls), stores)) === JSON.stringify(expected),
      30_000,
      'duplicates skipped and totals equal to the ledger',
    );
    assert.deepEqual(restrict(await readAllTotals(shards.urls), stores), expected);
  });

  it('dead-letters poison events with the reason and original bytes, and applies the good events after them', async () => {
    const store = 3001;
    const partition = partitionOfStore(store, topology);
    // A store of another shard, sent on this store's partition: a producer/consumer topology mismatch.
    const stranger = Array.from({ length: 200 }, (_, i) => 3100 + i).find(
      (s) => shardOfStore(s, topology) !== shardOfStore(store, topology),
    )!;
    const poison = [
      { storeId: store, value: '{"v":1,"purchaseId":' },
      { storeId: store, value: JSON.stringify({ ...makeEvent(store), v: 2 }) },
      { storeId: store, value: JSON.stringify({ ...makeEvent(store), items: [] }) },
      { storeId: store, value: JSON.stringify(makeEvent(stranger)), partition },
      // Passes the schema, refused by PostgreSQL (there is no year 0): isolated by bisection.
      { storeId: store, value: JSON.stringify(makeEvent(store, { date: '0000-01-01' })) },
    ];
    const good = makeEvents(20, [store]);
    await producer.sendRaw([
      ...good.slice(0, 10).map((e) => ({ storeId: store, value: JSON.stringify(e) })),
      ...poison,
      ...good.slice(10).map((e) => ({ storeId: store, value: JSON.stringify(e) })),
    ]);

    // Dead letters are stored before the offsets that skip them commit: once the shard's offset has
    // passed the end of the partition, the dead-letter topic holds all it ever will for these events.
    const admin = new Kafka({ brokers: topic.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const end = Number(
      (await admin.fetchTopicOffsets(topic.topic)).find((o) => o.partition === partition)!.high,
    );
    await admin.disconnect();
    await waitFor(
      () =>
        withClient(shards.urls[shardOfStore(store, topology)]!, async (c) => {
          const { rows } = await c.query<{ next_offset: string }>(
            'SELECT next_offset FROM consumer_offsets WHERE topic = $1 AND kafka_partition = $2',
            [topic.topic, partition],
          );
          return Number(rows[0]?.next_offset ?? -1) >= end;
        }),
      30_000,
      `the shard's offset of partition ${partition} at ${end}`,
    );
    const dead = await readTopic(topic.brokers, topic.dlqTopic);
    assert.equal(dead.length, poison.length, 'one dead letter per poison event, no more');
    const reasons = dead.map((m) => m.headers!['dlq-reason']!.toString()).sort();
    assert.deepEqual(reasons, [
      'invalid',
      'rejected-by-shard',
      'unparseable',
      'unsupported-version',
      'wrong-partition',
    ]);
    for (const message of dead) {
      assert.equal(message.headers!['dlq-source-topic']!.toString(), topic.topic);
      assert.equal(message.headers!['dlq-source-partition']!.toString(), String(partition));
      assert.ok(message.headers!['dlq-detail']!.toString().length > 0);
      assert.equal(message.headers!['schema-version']!.toString(), '1', 'original headers kept');
      assert.ok(
        poison.some((p) => p.value === message.value!.toString()),
        'original value kept',
      );
    }
    const expected = restrict(ledger(good), new Set([store]));
    await waitFor(
      async () =>
        JSON.stringify(restrict(await readAllTotals(shards.urls), new Set([store]))) ===
        JSON.stringify(expected),
      30_000,
      'good events after the poison applied',
    );
    assert.equal(
      await metricValue(consumer.url, 'consumer_dlq_events_total', { reason: 'wrong-partition' }),
      1,
    );
    assert.equal(
      await metricValue(consumer.url, 'consumer_dlq_events_total', { reason: 'rejected-by-shard' }),
      1,
    );
    const onShard = await readShard(shards.urls[shardOfStore(stranger, topology)]!);
    assert.ok(!onShard.stores.has(stranger), 'the misplaced event was not written anywhere');
  });

  it('serves health, readiness and the metrics the dashboards use, lag per partition included', async () => {
    assert.equal((await fetch(`${consumer.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${consumer.url}/readyz`)).status, 200);
    assert.equal((await fetch(`${consumer.url}/nope`)).status, 404);
    assert.equal((await fetch(`${consumer.url}/metrics`, { method: 'POST' })).status, 405);
    const text = await (await fetch(`${consumer.url}/metrics`)).text();
    for (const name of [
      'consumer_lag',
      'consumer_batch_size',
      'consumer_rows_written_total',
      'consumer_duplicates_skipped_total',
      'consumer_shard_transaction_duration_seconds',
      'consumer_dlq_events_total',
      'consumer_retries_total',
      'consumer_rebalances_total',
      'consumer_freshness_seconds',
      'consumer_partitions_paused',
      'consumer_partition_blocked',
      'shard_up',
      'kafka_consumer_connected',
    ]) {
      assert.match(text, new RegExp(`^${name}`, 'm'), name);
    }
    assert.equal(await metricValue(consumer.url, 'kafka_consumer_connected'), 1);
    assert.equal(await metricValue(consumer.url, 'consumer_partition_blocked'), 0, 'no partition stopped');
    assert.equal(await metricValue(consumer.url, 'shard_up'), shards.urls.length);
    assert.ok((await metricValue(consumer.url, 'consumer_freshness_seconds_count')) >= 400);
    // Every partition was assigned to this single member; all of it is applied, so lag is 0 for each.
    await waitFor(
      async () => {
        const fresh = await (await fetch(`${consumer.url}/metrics`)).text();
        const series = fresh.match(/^consumer_lag\{[^}]*partition="\d+"/gm) ?? [];
        return series.length === 12 && (await metricValue(consumer.url, 'consumer_lag')) === 0;
      },
      10_000,
      'lag of all 12 partitions at 0',
    );
  });
});

/** Every message on `topic` up to its end as of the call (its high watermarks). */
async function readTopic(brokers: string[], topic: string): Promise<KafkaMessage[]> {
  const kafka = new Kafka({ clientId: 'dlq-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const count = (await admin.fetchTopicOffsets(topic)).reduce((sum, o) => sum + Number(o.high), 0);
  await admin.disconnect();
  const reader = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}` });
  const messages: KafkaMessage[] = [];
  await reader.connect();
  try {
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void messages.push(message) });
    await waitFor(async () => messages.length >= count, 30_000, `${count} messages on ${topic}`);
    return messages;
  } finally {
    await reader.disconnect();
  }
}
