// Exactly-once effect of the consumer group under crashes, replays and rebalances: whatever happens
// to the consumers, the totals on the shards equal the ledger of what was produced.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import type { PurchaseEvent, Topology } from '@tillstream/contract';
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
  makeEvents,
  metricValue,
  readAllTotals,
  sortedEntries,
  waitFor,
  withClient,
} from './support/pipeline.js';

const STORES = Array.from({ length: 60 }, (_, i) => 1 + i * 7);

// Small fetches and transactions so a stream is many batches, and a kill lands in the middle of it.
const SLOW = {
  KAFKA_MAX_BYTES_PER_PARTITION: '8192',
  CONSUMER_MAX_EVENTS_PER_TRANSACTION: '10',
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: '2',
};

/** Events with some purchaseIds repeated, as client retries with one Idempotency-Key produce. */
function streamWithRetries(count: number): PurchaseEvent[] {
  const events = makeEvents(count, STORES);
  return events.flatMap((event, i) => (i % 25 === 0 ? [event, event] : [event]));
}

describe('consumer group: exactly-once effect', () => {
  let topic: TestTopic;
  let shards: TestShards;
  let producer: TestProducer;
  let topology: Topology;
  const produced: PurchaseEvent[] = [];
  const running = new Set<RunningService>();

  const start = async (extra: Record<string, string> = {}) => {
    const service = await startService('consumer', consumerEnv(topic, shards.urls, { ...SLOW, ...extra }));
    running.add(service);
    return service;
  };
  const send = async (events: PurchaseEvent[]) => {
    await producer.send(events);
    produced.push(...events);
  };
  const uniquePurchases = () => new Set(produced.map((e) => e.purchaseId)).size;
  const assertTotalsEqualLedger = async () => {
    await waitFor(
      async () => (await countPurchases(shards.urls)) === uniquePurchases(),
      60_000,
      `${uniquePurchases()} purchases on the shards`,
    );
    assert.deepEqual(sortedEntries(await readAllTotals(shards.urls)), sortedEntries(ledger(produced)));
  };

  before(async () => {
    topic = await createTestTopic(12);
    shards = await createTestShards();
    topology = { partitionCount: 12, shardCount: shards.urls.length };
    producer = await TestProducer.connect(topic.brokers, topic.topic, topology);
  });

  after(async () => {
    for (const service of running) await service.kill();
    await producer?.disconnect();
    await topic?.remove();
    await shards?.remove();
  });

  it('loses nothing and counts nothing twice when the consumer is SIGKILLed mid-stream and restarted', async () => {
    await send(streamWithRetries(3000));
    const first = await start();
    const total = uniquePurchases();
    const atKill = await waitFor(
      async () => {
        const n = await countPurchases(shards.urls);
        return n >= total / 5 ? n : undefined;
      },
      60_000,
      'a fifth of the stream applied',
    );
    await first.kill();
    running.delete(first);
    assert.ok(atKill < total, `killed mid-stream (${atKill} of ${total} applied)`);
    await send(streamWithRetries(1000)); // produced while no consumer runs
    await start();
    await assertTotalsEqualLedger();
  });

  it('resumes at the shard offsets, not at a group offset reset to the earliest one', async () => {
    for (const service of running) await service.stop();
    running.clear();
    const admin = new Kafka({
      clientId: 'reset',
      brokers: topic.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      await waitFor(
        async () => (await admin.describeGroups([`${topic.topic}-writers`])).groups[0]?.state === 'Empty',
        30_000,
        'the group to be empty',
      );
      await admin.resetOffsets({ groupId: `${topic.topic}-writers`, topic: topic.topic, earliest: true });
    } finally {
      await admin.disconnect();
    }
    const resumed = await start();
    const more = streamWithRetries(200);
    await send(more);
    await assertTotalsEqualLedger();
    // Only the new messages were fetched: the reset offsets were replaced by the shards' own.
    await waitFor(
      async () => (await metricValue(resumed.url, 'consumer_lag')) === 0,
      30_000,
      'lag 0 on every partition',
    );
    assert.ok(
      (await metricValue(resumed.url, 'consumer_duplicates_skipped_total')) <= more.length - 200,
      'nothing before the shard offsets was read again',
    );
  });

  it('counts nothing twice when the shards lose their progress rows and the whole topic replays', async () => {
    for (const service of running) await service.stop();
    running.clear();
    // A shard restored from a backup taken before it applied anything: no progress rows at all.
    for (const url of shards.urls) await withClient(url, (c) => c.query('DELETE FROM consumer_offsets'));
    const replay = await start({
      CONSUMER_MAX_EVENTS_PER_TRANSACTION: '5000',
      KAFKA_MAX_BYTES_PER_PARTITION: '1048576',
    });
    // Every message is read again from the log start; each one is recognised as applied.
    await waitFor(
      async () => (await metricValue(replay.url, 'consumer_duplicates_skipped_total')) >= produced.length,
      60_000,
      `${produced.length} re-read messages skipped`,
    );
    assert.equal(await metricValue(replay.url, 'consumer_rows_written_total'), 0);
    await assertTotalsEqualLedger();
  });

  it('keeps the invariant when a second member joins mid-stream and the first leaves', async () => {
    for (const service of running) await service.stop();
    running.clear();
    const a = await start();
    const stream = (async () => {
      for (let i = 0; i < 20; i++) {
        await send(streamWithRetries(150));
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await waitFor(
      async () => (await metricValue(a.url, 'consumer_rows_written_total')) > 0,
      30_000,
      'a writes',
    );
    const b = await start();
    await waitFor(
      async () => (await metricValue(b.url, 'consumer_rows_written_total')) > 0,
      60_000,
      'b writes',
    );
    assert.ok((await metricValue(a.url, 'consumer_rebalances_total')) >= 2, 'a saw the rebalance');
    assert.equal(await a.stop(), 0, 'a graceful stop'); // leaves the group: b takes every partition
    running.delete(a);
    await stream;
    await assertTotalsEqualLedger();
  });
});
