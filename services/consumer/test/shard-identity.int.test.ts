// The built consumer refuses SHARD_URLS that do not match the shards' identity rows: two URLs
// swapped, a shard missing, another partition count. It exits 3 and names the problem, and writes
// nothing — although events are waiting on the topic.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createTestShards,
  createTestTopic,
  startService,
  type TestShards,
  type TestTopic,
} from '@tillstream/stack/harness';
import {
  TestProducer,
  consumerEnv,
  countPurchases,
  makeEvents,
  waitFor,
  withClient,
} from './support/pipeline.js';

describe('consumer: shard identity at start', () => {
  let topic: TestTopic;
  let shards: TestShards;

  before(async () => {
    [topic, shards] = await Promise.all([createTestTopic(12), createTestShards()]);
    const producer = await TestProducer.connect(topic.brokers, topic.topic, {
      partitionCount: 12,
      shardCount: shards.urls.length,
    });
    await producer.send(
      makeEvents(
        200,
        Array.from({ length: 20 }, (_, i) => 40 + i),
      ),
    );
    await producer.disconnect();
  });
  after(async () => {
    await topic?.remove();
    await shards?.remove();
  });

  const refusal = async (urls: readonly string[], extra: Record<string, string> = {}): Promise<string> => {
    const started = startService('consumer', consumerEnv(topic, urls, extra), { timeoutMs: 30_000 });
    const error = await started.then(
      async (service) => {
        await service.kill();
        return assert.fail('the consumer started');
      },
      (e: Error) => e.message,
    );
    assert.match(error, /consumer exited with 3 before it was ready/);
    return error;
  };

  it('refuses two swapped URLs, naming both entries, and writes nothing', async () => {
    const [a, b, ...rest] = shards.urls;
    const output = await refusal([b!, a!, ...rest]);
    assert.match(
      output,
      /SHARD_IDENTITY_MISMATCH: SHARD_URLS entry 0 \(.*\) is shard 1, not shard 0: SHARD_URLS is misordered/,
    );
    assert.match(output, /SHARD_IDENTITY_MISMATCH: SHARD_URLS entry 1 \(.*\) is shard 0, not shard 1/);
    assert.doesNotMatch(output, /:tillstream@/, 'no password in the message');
    assert.equal(await countPurchases(shards.urls), 0);
    for (const url of shards.urls) {
      const rows = await withClient(url, (c) => c.query('SELECT 1 FROM consumer_offsets'));
      assert.equal(rows.rowCount, 0, 'no progress row written');
    }
  });

  it('refuses a SHARD_URLS with a shard missing, and a KAFKA_PARTITIONS the shards were not made for', async () => {
    assert.match(
      await refusal(shards.urls.slice(0, 3)),
      /entry 0 .* belongs to a cluster of 4 shards, but SHARD_URLS has 3/,
    );
    assert.match(
      await refusal(shards.urls, { KAFKA_PARTITIONS: '24' }),
      /was created for 12 partitions, but KAFKA_PARTITIONS is 24/,
    );
  });

  it('starts with the URLs in shard order, and applies what waited', async () => {
    const service = await startService('consumer', consumerEnv(topic, shards.urls));
    try {
      await waitFor(
        async () => (await countPurchases(shards.urls)) === 200,
        30_000,
        'the waiting events applied',
      );
    } finally {
      await service.stop();
    }
  });
});
