// The topic is deleted and created again under a running consumer: its offsets start again at 0,
// while the shards' stored offsets still point into the old log. Nothing of the new topic may be
// dropped as "already applied": the partitions stop, with a metric and a log line, until an operator
// runs the recovery command; after it, every purchase is counted exactly once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
} from './support/pipeline.js';

const STORES = Array.from({ length: 48 }, (_, i) => 500 + i);
const CLI = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../dist/offsets-cli.js');

describe('a topic deleted and created again under a running consumer', () => {
  let topic: TestTopic;
  let shards: TestShards;
  let consumer: RunningService;
  let env: Record<string, string>;
  let topology: Topology;
  const produced: PurchaseEvent[] = [];

  const produce = async (count: number) => {
    const producer = await TestProducer.connect(topic.brokers, topic.topic, topology);
    try {
      const events = makeEvents(count, STORES);
      await producer.send(events);
      produced.push(...events);
    } finally {
      await producer.disconnect();
    }
  };
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const admin = () =>
    new Kafka({ clientId: 'recreate', brokers: topic.brokers, logLevel: logLevel.NOTHING }).admin();

  before(async () => {
    topic = await createTestTopic(12);
    shards = await createTestShards();
    topology = { partitionCount: 12, shardCount: shards.urls.length };
    env = consumerEnv(topic, shards.urls);
    consumer = await startService('consumer', env);
  });

  after(async () => {
    await consumer?.kill();
    await topic?.remove();
    await shards?.remove();
  });

  it('stops the partitions instead of skipping the new events, and the recovery command counts every purchase once', async () => {
    await produce(400);
    await waitFor(async () => (await countPurchases(shards.urls)) === 400, 30_000, '400 purchases applied');
    const skippedBefore = await metricValue(consumer.url, 'consumer_duplicates_skipped_total');

    const kafka = admin();
    await kafka.connect();
    try {
      await kafka.deleteTopics({ topics: [topic.topic] });
      await waitFor(async () => !(await kafka.listTopics()).includes(topic.topic), 30_000, 'topic deleted');
      // Creating it may fail or time out while the deletion settles; it is there once every
      // partition has a leader.
      await waitFor(
        async () => {
          await kafka
            .createTopics({ topics: [{ topic: topic.topic, numPartitions: 12 }] })
            .catch(() => false);
          const metadata = await kafka.fetchTopicMetadata({ topics: [topic.topic] }).catch(() => undefined);
          const partitions = metadata?.topics[0]?.partitions ?? [];
          return partitions.length === 12 && partitions.every((p) => p.leader >= 0);
        },
        60_000,
        'topic created again',
      );
    } finally {
      await kafka.disconnect();
    }
    await produce(600);

    // Every partition with stored offsets of the old topic is stopped, and says why.
    await waitFor(
      async () => (await metricValue(consumer.url, 'consumer_partition_blocked')) === 12,
      60_000,
      'all 12 partitions blocked',
    );
    assert.equal(
      await metricValue(consumer.url, 'consumer_partition_blocked', { reason: 'topic-recreated' }),
      12,
    );
    assert.match(
      consumer.output(),
      /PARTITION STOPPED: partition \d+: the shard's offsets .* belong to topic id/,
    );
    assert.equal(
      await metricValue(consumer.url, 'consumer_duplicates_skipped_total'),
      skippedBefore,
      'no event of the new topic was taken for a redelivery',
    );
    assert.equal(await countPurchases(shards.urls), 400, 'nothing of the new topic applied yet');

    const status = cli('status');
    assert.equal(status.status, 0, status.stderr);
    const lines = status.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { verdict: string });
    assert.equal(lines.length, 12);
    assert.ok(
      lines.every((l) => l.verdict === 'topic-recreated'),
      status.stdout,
    );

    const accept = cli('accept');
    assert.equal(accept.status, 0, accept.stderr);
    assert.match(accept.stderr, /accepted the current incarnation .* for 12 partition\(s\)/);

    await waitFor(
      async () => (await countPurchases(shards.urls)) === 1000,
      60_000,
      'all 1000 purchases applied after the recovery',
    );
    assert.deepEqual(sortedEntries(await readAllTotals(shards.urls)), sortedEntries(ledger(produced)));
    await waitFor(
      async () => (await metricValue(consumer.url, 'consumer_partition_blocked')) === 0,
      30_000,
      'no partition blocked',
    );
    const after = cli('status');
    assert.ok(
      after.stdout
        .trim()
        .split('\n')
        .every((l) => (JSON.parse(l) as { verdict: string }).verdict === 'ok'),
      after.stdout,
    );
    assert.equal(cli('accept').stderr.trim(), 'nothing to accept: no partition is stopped');
  });

  it('the recovery command refuses a misordered SHARD_URLS', () => {
    const swapped = [shards.urls[1]!, shards.urls[0]!, ...shards.urls.slice(2)].join(',');
    const result = spawnSync(process.execPath, [CLI, 'status'], {
      env: { ...process.env, ...env, SHARD_URLS: swapped },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 3);
    assert.match(result.stderr, /SHARD_IDENTITY_MISMATCH: SHARD_URLS entry 0 .* is shard 1, not shard 0/);
  });
});
