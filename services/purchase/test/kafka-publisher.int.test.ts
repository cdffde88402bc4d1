import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { createTestTopic, uniqueName, useStack, type TestTopic } from '@tillstream/stack/harness';
import { partitionOfStore } from '@tillstream/contract';
import { KafkaPublisher } from '../src/kafka-publisher.js';
import { PublisherUnavailableError } from '../src/types.js';
import { recordingLogger, type LogLine } from './support/test-app.js';
import { readTopic } from './support/topic-reader.js';

let topic: TestTopic;
const publishers: KafkaPublisher[] = [];

before(async () => {
  await useStack();
  topic = await createTestTopic(12);
});
after(async () => {
  await Promise.all(publishers.map((p) => p.close()));
  await topic.remove();
});

function publisher(
  overrides: { topic?: string; partitions?: number; brokers?: string[] } = {},
  logs: LogLine[] = [],
) {
  const p = new KafkaPublisher({
    brokers: overrides.brokers ?? topic.brokers,
    topic: overrides.topic ?? topic.topic,
    partitions: overrides.partitions ?? 12,
    clientId: 'purchase-int-test',
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 3_000,
    sendRetries: 2,
    reconnectBackoffMs: 200,
    log: recordingLogger(logs),
  });
  publishers.push(p);
  return p;
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('one send per batch; every message lands on the shard map partition of its store', async () => {
  const p = publisher();
  p.start();
  await until(() => p.isConnected());
  const stores = Array.from({ length: 40 }, (_, i) => 1 + i * 7919);
  await p.send(
    stores.map((s) => ({ key: String(s), value: JSON.stringify({ s }), headers: { h: String(s) } })),
  );
  const read = await readTopic(topic.brokers, topic.topic, (m) => m.length >= stores.length);
  assert.equal(read.length, stores.length);
  for (const message of read) {
    const storeId = Number(message.key);
    assert.equal(message.partition, partitionOfStore(storeId, { partitionCount: 12, shardCount: 4 }));
    assert.equal(message.value, JSON.stringify({ s: storeId }));
    assert.equal(message.headers.h, String(storeId));
  }
});

test('a topic with a different partition count is refused: never connected, sends fail at once', async () => {
  const logs: LogLine[] = [];
  const p = publisher({ partitions: 6 }, logs);
  p.start();
  await until(() =>
    logs.some((l) => String((l.fields.err as Error | undefined)?.message).includes('KAFKA_PARTITIONS')),
  );
  assert.equal(p.isConnected(), false);
  await assert.rejects(p.send([{ key: '1', value: '{}', headers: {} }]), PublisherUnavailableError);
});

test('a missing topic keeps it unconnected until the topic is created', async () => {
  const name = uniqueName('test-purchases-late').replace(/_/g, '-');
  const logs: LogLine[] = [];
  const p = publisher({ topic: name, partitions: 3 }, logs);
  p.start();
  // Two connection attempts have found no topic (not a guess at how long that takes).
  const refusals = () => logs.filter((l) => l.message === 'Kafka is not available; retrying').length;
  await until(() => refusals() >= 2);
  assert.equal(p.isConnected(), false);
  const admin = new Kafka({ brokers: topic.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: name, numPartitions: 3 }] });
    // A just-created topic may refuse the first produce while its leader loads; like a client after a
    // 503, retry once the publisher has reconnected.
    let sent = false;
    for (let attempt = 0; attempt < 5 && !sent; attempt++) {
      await until(() => p.isConnected());
      sent = await p.send([{ key: '9', value: '{}', headers: {} }]).then(
        () => true,
        () => false,
      );
    }
    assert.ok(sent);
  } finally {
    await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
    await admin.disconnect();
  }
});
