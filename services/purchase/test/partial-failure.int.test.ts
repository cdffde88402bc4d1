// One broker stops answering mid-load (SIGSTOP: no packet answered, like a cut-off host) on a 3-node
// Kafka of its own: purchases whose partition a healthy broker leads are answered 201 as soon as that
// broker acknowledges them, and a 503 ("may be stored") is never given for a purchase a healthy broker
// stored. The topic has one replica per partition, so the failure is exactly one broker's: its
// partitions fail, the others are unaffected. Build first: `npx tsc -b services/purchase`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { partitionForKey } from '@tillstream/contract';
import { startService, type RunningService } from '@tillstream/stack/harness';
import { derivePurchaseId } from '../src/domain/purchase-id.js';
import { createLedTopic, startPrivateStack, type PrivateStack } from './support/private-stack.js';
import { readTopic } from './support/topic-reader.js';

const PARTITIONS = 6;
const CLIENTS = 48;
const STORES = 60;

let stack: PrivateStack;
let service: RunningService | undefined;

before(async () => {
  stack = await startPrivateStack({ nodes: 3, kafkaPort: 39292, controllerPort: 39392, shardPort: 35533 });
});
after(async () => {
  await service?.kill();
  await stack?.down();
});

interface Answer {
  readonly purchaseId: string;
  readonly partition: number;
  readonly status: number;
  readonly sentAt: number;
}

test(
  'a broker cut off mid-load: 201 for what the healthy brokers acknowledged, 503 only for the rest',
  { timeout: 300_000 },
  async () => {
    const kafka = new Kafka({ clientId: 'partial-test', brokers: stack.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const { topic, leaderOf } = await createLedTopic(admin, 'partial', PARTITIONS);
    assert.ok(new Set(leaderOf.values()).size >= 2, 'the partitions are led by more than one broker');
    const victimId = leaderOf.get(0)!;
    const victim = stack.state.kafka.nodes.find((n) => n.id === victimId)!;
    const onVictim = (partition: number) => leaderOf.get(partition) === victimId;

    service = await startService('purchase', {
      KAFKA_BROKERS: stack.brokers.join(','),
      KAFKA_TOPIC: topic,
      KAFKA_PARTITIONS: String(PARTITIONS),
      PURCHASE_WORKERS: '1',
      KAFKA_REQUEST_TIMEOUT_MS: '2000',
      PURCHASE_PUBLISH_TIMEOUT_MS: '4000',
      LOG_LEVEL: 'error',
    });
    const url = service.url;

    const answers: Answer[] = [];
    let stopAt = Infinity;
    let running = true;
    const items = [{ itemId: 1, quantity: 1 }];
    const load = Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let sequence = 0; running; sequence++) {
          const storeId = 1 + ((client + sequence * CLIENTS) % STORES);
          const idempotencyKey = `partial-${client}-${sequence}`;
          const path = { storeId, customerId: 1, date: '2021-01-01' };
          const sentAt = Date.now();
          const response = await fetch(`${url}/purchase/${storeId}/customer/1/date/20210101`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
            body: JSON.stringify({ items: [{ ItemID: '1', numberOfItems: 1 }] }),
            signal: AbortSignal.timeout(30_000),
          });
          await response.arrayBuffer();
          answers.push({
            purchaseId: derivePurchaseId({ idempotencyKey, apiKeyId: undefined, path, items }),
            partition: partitionForKey(String(storeId), PARTITIONS),
            status: response.status,
            sentAt,
          });
        }
      }),
    );
    try {
      // Load before the cut, until every partition has had purchases acknowledged.
      while (new Set(answers.filter((a) => a.status === 201).map((a) => a.partition)).size < PARTITIONS) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      stopAt = Date.now();
      process.kill(victim.pid!, 'SIGSTOP');
      // Load during the cut, until purchases on the victim's partitions have been answered 503 and a
      // batch holding purchases of both kinds has been answered.
      while (!answers.some((a) => a.sentAt > stopAt && a.status === 503 && onVictim(a.partition))) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      running = false;
      await load;
      process.kill(victim.pid!, 'SIGCONT');
    }

    // Everything on the topic, once the victim answers again. Nothing more is sent once the service is
    // gone, but the victim still appends the produce requests its socket buffers held while it was
    // stopped: the log ends are read until they stop moving, then every partition is read to its end.
    await service.kill();
    service = undefined;
    const logEnds = async () => {
      for (;;) {
        try {
          const offsets = await admin.fetchTopicOffsets(topic);
          return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 500)); // the victim's partitions not led yet
        }
      }
    };
    let ends = await logEnds();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const next = await logEnds();
      if ([...next].every(([partition, end]) => ends.get(partition) === end)) break;
      ends = next;
    }
    const read = new Map<number, number>();
    const messages = await readTopic(
      stack.brokers,
      topic,
      (sofar) => {
        const last = sofar.at(-1)!;
        read.set(last.partition, (read.get(last.partition) ?? 0) + 1);
        return [...ends].every(([partition, end]) => (read.get(partition) ?? 0) >= end);
      },
      60_000,
    );
    const stored = new Set(messages.map((m) => (JSON.parse(m.value!) as { purchaseId: string }).purchaseId));
    await admin.disconnect();

    const during = answers.filter((a) => a.sentAt >= stopAt);
    const acknowledged = answers.filter((a) => a.status === 201);
    const maybe = answers.filter((a) => a.status === 503 && stored.has(a.purchaseId));
    const summary = {
      answers: answers.length,
      during: during.length,
      duringHealthy201: during.filter((a) => a.status === 201 && !onVictim(a.partition)).length,
      duringHealthy503: during.filter((a) => a.status === 503 && !onVictim(a.partition)).length,
      acknowledged: acknowledged.length,
      answered503ButStored: maybe.length,
      answered503ButStoredOnHealthy: maybe.filter((a) => !onVictim(a.partition)).length,
    };
    process.stderr.write(`# partial failure: ${JSON.stringify(summary)}\n`);
    assert.deepEqual(
      acknowledged.filter((a) => !stored.has(a.purchaseId)),
      [],
      'every purchase answered 201 is on the topic',
    );
    assert.ok(
      answers.every((a) => a.status === 201 || a.status === 503),
      'only 201 and 503',
    );
    assert.deepEqual(
      maybe.filter((a) => !onVictim(a.partition)),
      [],
      'no purchase a healthy broker stored was answered 503',
    );
  },
);
