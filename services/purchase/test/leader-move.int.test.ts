// A partition's leadership moves between two sends, onto a broker that the same send also writes to.
// kafkajs retries a send broker by broker: a broker that answered keeps its answer for the rest of the
// send, so when a retry finds a failed partition's new leader among them, that partition is never
// written again, yet the send resolves. The publisher must notice the partition missing from the
// answer and write it; a purchase reported stored must be in the log, exactly once. A 3-node Kafka of
// its own (reassignments here never touch the shared stack). Build first: `npx tsc -b services/purchase`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { partitionForKey } from '@tillstream/contract';
import { KafkaPublisher } from '../src/kafka-publisher.js';
import type { OutgoingMessage } from '../src/types.js';
import { recordingLogger, type LogLine } from './support/test-app.js';
import { createLedTopic, startPrivateStack, type PrivateStack } from './support/private-stack.js';
import { readTopic } from './support/topic-reader.js';

const PARTITIONS = 6;

let stack: PrivateStack;
let admin: Admin | undefined;
let publisher: KafkaPublisher | undefined;

before(async () => {
  stack = await startPrivateStack({ nodes: 3, kafkaPort: 39692, controllerPort: 39792, shardPort: 35733 });
});
after(async () => {
  await publisher?.close();
  await admin?.disconnect();
  await stack?.down();
});

/** Moves the partition's only replica to `broker` and waits until every broker names it the leader. */
async function moveLeader(topic: string, partition: number, broker: number): Promise<void> {
  await admin!.alterPartitionReassignments({
    topics: [{ topic, partitionAssignment: [{ partition, replicas: [broker] }] }],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pending = await admin!.listPartitionReassignments({ topics: [{ topic, partitions: [partition] }] });
    const asked = await Promise.all(
      stack.brokers.map(async (address) => {
        const one = new Kafka({
          clientId: 'leader-move-probe',
          brokers: [address],
          logLevel: logLevel.NOTHING,
        });
        const probe = one.admin();
        await probe.connect();
        try {
          const [metadata] = (await probe.fetchTopicMetadata({ topics: [topic] })).topics;
          return metadata!.partitions.find((p) => p.partitionId === partition)?.leader;
        } finally {
          await probe.disconnect();
        }
      }),
    );
    if (pending.topics.length === 0 && asked.every((leader) => leader === broker)) return;
    if (Date.now() > deadline) throw new Error(`partition ${partition} did not move to broker ${broker}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Store-keyed messages, `count` for each of the partitions, each value unique. */
function messagesFor(partitions: readonly number[], count: number, tag: string): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  const left = new Map(partitions.map((partition) => [partition, count]));
  for (let store = 1; messages.length < partitions.length * count; store++) {
    const partition = partitionForKey(String(store), PARTITIONS);
    const wanted = left.get(partition) ?? 0;
    if (wanted === 0) continue;
    left.set(partition, wanted - 1);
    messages.push({ key: String(store), value: `${tag}-${store}`, headers: {} });
  }
  return messages;
}

/** Sends as the service does (outcomes reported per message); returns the values reported stored. */
async function send(messages: readonly OutgoingMessage[]): Promise<string[]> {
  const stored: string[] = [];
  await publisher!.send(messages, (indexes, error) => {
    if (!error) for (const index of indexes) stored.push(messages[index]!.value);
  });
  return stored;
}

test(
  'a partition whose leader moved onto a broker the same send wrote to is written, not dropped',
  { timeout: 240_000 },
  async () => {
    const kafka = new Kafka({
      clientId: 'leader-move-test',
      brokers: stack.brokers,
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    const { topic, leaderOf: initial } = await createLedTopic(admin, 'leader-move', PARTITIONS);
    // Two partitions one broker leads (6 partitions over 3 brokers: each leads two), and another broker.
    const byLeader = new Map<number, number[]>();
    for (const [partition, leader] of initial)
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    const [from, [x, y]] = [...byLeader].find(([, led]) => led.length >= 2)! as [number, number[]];
    const to = [...new Set(initial.values())].find((broker) => broker !== from)!;
    assert.ok(x !== undefined && y !== undefined && to !== undefined);

    const logs: LogLine[] = [];
    publisher = new KafkaPublisher({
      brokers: stack.brokers,
      topic,
      partitions: PARTITIONS,
      clientId: 'leader-move-test',
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 5_000,
      sendRetries: 5,
      reconnectBackoffMs: 200,
      log: recordingLogger(logs),
    });
    publisher.start();
    const deadline = Date.now() + 60_000;
    while (!publisher.isConnected()) {
      assert.ok(Date.now() < deadline, 'the publisher connected');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // y moves first: the producer's first send learns y on `to`, x still on `from`.
    await moveLeader(topic, y, to);
    const first = messagesFor([x, y], 5, 'first');
    const storedFirst = await send(first);
    assert.equal(storedFirst.length, first.length, 'the first send is stored whole');

    // Then x moves too, unknown to the producer: its request to `from` fails, `to` answers for y, and
    // the retry finds x's new leader among the brokers that already answered.
    await moveLeader(topic, x, to);
    const second = messagesFor([x, y], 5, 'second');
    const storedSecond = await send(second);

    const everything = first.length + second.length;
    const log = await readTopic(stack.brokers, topic, (read) => read.length >= everything, 15_000);
    const copies = new Map<string, number>();
    for (const message of log) copies.set(message.value!, (copies.get(message.value!) ?? 0) + 1);
    const lost = [...storedFirst, ...storedSecond].filter((value) => !copies.has(value));
    assert.deepEqual(lost, [], 'every message reported stored is in the log');
    const twice = [...copies].filter(([, n]) => n > 1).map(([value]) => value);
    assert.deepEqual(twice, [], 'no message is in the log twice');
    assert.equal(storedSecond.length, second.length, 'the second send is stored whole, x included');
    // The case under test happened: kafkajs' answer to the second send lacked x.
    const resent = logs.filter((line) => String(line.message).includes("missing from Kafka's answer"));
    assert.deepEqual(
      resent.map((line) => line.fields.partitions),
      [[x]],
    );
  },
);
