import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import {
  createTestTopic,
  freePort,
  startService,
  useStack,
  type RunningService,
  type TestTopic,
} from '@tillstream/stack/harness';
import { decodePurchaseEvent, EventHeaders, parseTraceparent, partitionOfStore } from '@tillstream/contract';
import { readTopic } from './support/topic-reader.js';

// The built service (`node services/purchase/dist/main.js`) against the stack's real Kafka, one topic
// per test. Build first: `npx tsc -b services/purchase`.

const PARTITIONS = 6;
const topics: TestTopic[] = [];
const services: RunningService[] = [];

before(() => useStack());
after(async () => {
  await Promise.all(services.map((s) => s.kill()));
  await Promise.all(topics.map((t) => t.remove()));
});

async function topic(): Promise<TestTopic> {
  const t = await createTestTopic(PARTITIONS);
  topics.push(t);
  return t;
}

async function service(
  t: TestTopic,
  env: Record<string, string> = {},
  waitFor: '/readyz' | '/healthz' = '/readyz',
) {
  const s = await startService(
    'purchase',
    {
      KAFKA_TOPIC: t.topic,
      KAFKA_BROKERS: t.brokers.join(','),
      KAFKA_PARTITIONS: String(PARTITIONS),
      PURCHASE_WORKERS: '2',
      LOG_LEVEL: 'warn',
      ...env,
    },
    { waitFor },
  );
  services.push(s);
  return s;
}

function purchase(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
}

describe('publishing', () => {
  test('each event on the topic has the right key, partition, value and headers', async () => {
    const t = await topic();
    const s = await service(t);
    const trace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const sent = new Map<string, { storeId: number; customerId: number }>();
    for (let i = 0; i < 12; i++) {
      const storeId = 1 + i * 101;
      const customerId = 500 + i;
      const response = await purchase(
        s.url,
        `/purchase/${storeId}/customer/${customerId}/date/20240229`,
        {
          items: [
            { ItemID: '42', 'numberOfItems:': 2 },
            { ItemID: 42, numberOfItems: 1 },
            { ItemID: 7, numberOfItems: 9 },
          ],
        },
        { traceparent: trace },
      );
      assert.equal(response.status, 201);
      const { purchaseId } = (await response.json()) as { purchaseId: string };
      sent.set(purchaseId, { storeId, customerId });
    }
    const read = await readTopic(t.brokers, t.topic, (m) => m.length >= sent.size);
    assert.equal(read.length, sent.size);
    for (const message of read) {
      const decoded = decodePurchaseEvent(message.value);
      assert.ok(decoded.ok, JSON.stringify(decoded));
      const { event } = decoded;
      const expected = sent.get(event.purchaseId);
      assert.ok(expected, `unexpected purchase ${event.purchaseId}`);
      assert.equal(event.storeId, expected.storeId);
      assert.equal(event.customerId, expected.customerId);
      assert.equal(event.date, '2024-02-29');
      assert.deepEqual(event.items, [
        { itemId: 42, quantity: 3 },
        { itemId: 7, quantity: 9 },
      ]);
      assert.equal(message.key, String(event.storeId));
      assert.equal(
        message.partition,
        partitionOfStore(event.storeId, { partitionCount: PARTITIONS, shardCount: 2 }),
      );
      assert.equal(message.headers[EventHeaders.schemaVersion], '1');
      assert.equal(message.headers[EventHeaders.contentType], 'application/json');
      const context = parseTraceparent(message.headers[EventHeaders.traceparent]);
      assert.equal(context?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    }
    // /metrics on any worker covers the whole cluster.
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^purchase_events_produced_total\\{[^}]*\\} ${sent.size}$`, 'm'));
    assert.match(metrics, /^kafka_producer_connected\{[^}]*\} 1$/m);
  });

  test('the same Idempotency-Key twice: the same purchaseId, two events the consumer deduplicates', async () => {
    const t = await topic();
    const s = await service(t);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await purchase(
        s.url,
        '/purchase/3/customer/4/date/20210101',
        { items: [{ ItemID: '1', numberOfItems: 1 }] },
        {
          'Idempotency-Key': 'client-retry-1',
        },
      );
      assert.equal(response.status, 201);
      ids.push(((await response.json()) as { purchaseId: string }).purchaseId);
    }
    assert.equal(ids[0], ids[1]);
    const read = await readTopic(t.brokers, t.topic, (m) => m.length >= 2);
    const eventIds = read.map((m) => {
      const decoded = decodePurchaseEvent(m.value);
      assert.ok(decoded.ok);
      return decoded.event.purchaseId;
    });
    assert.deepEqual(eventIds, [ids[0], ids[0]]);
  });
});

/** A TCP relay on `port` to the broker, standing in for a broker that comes back. */
async function relay(port: number, broker: string): Promise<Server> {
  const [host, brokerPort] = broker.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(brokerPort), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return server;
}

describe('Kafka unavailable', () => {
  test('unreachable brokers: 503 with Retry-After at once, no hang; 201 once Kafka is reachable', async () => {
    const t = await topic();
    const port = await freePort(); // nothing listens here (yet)
    const s = await service(
      t,
      {
        KAFKA_BROKERS: `127.0.0.1:${port}`,
        KAFKA_RECONNECT_BACKOFF_MS: '200',
        PURCHASE_STARTUP_KAFKA_WAIT_MS: '500',
      },
      '/healthz',
    );
    assert.equal((await fetch(`${s.url}/readyz`)).status, 503);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        purchase(s.url, '/purchase/1/customer/1/date/20210101', {
          items: [{ ItemID: '1', numberOfItems: 1 }],
        }),
      ),
    );
    for (const response of answers) {
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '1');
      assert.equal(((await response.json()) as { code: string }).code, 'KAFKA_UNAVAILABLE');
    }
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /^purchase_rejected_total\{reason="kafka_unavailable"[^}]*\} 8$/m);
    assert.match(metrics, /^kafka_producer_connected\{[^}]*\} 0$/m);

    // Kafka "returns": the bootstrap address starts answering.
    const server = await relay(port, t.brokers[0]!);
    try {
      const deadline = Date.now() + 30_000;
      while ((await fetch(`${s.url}/readyz`)).status !== 200) {
        assert.ok(Date.now() < deadline, 'not ready after Kafka came back');
        await new Promise((r) => setTimeout(r, 200));
      }
      // Both workers may not have reconnected at the same moment; a client retries after a 503.
      let response = await purchase(s.url, '/purchase/1/customer/1/date/20210101', {
        items: [{ ItemID: '1', numberOfItems: 1 }],
      });
      for (let i = 0; i < 20 && response.status === 503; i++) {
        await new Promise((r) => setTimeout(r, 250));
        response = await purchase(s.url, '/purchase/1/customer/1/date/20210101', {
          items: [{ ItemID: '1', numberOfItems: 1 }],
        });
      }
      assert.equal(response.status, 201);
      const { purchaseId } = (await response.json()) as { purchaseId: string };
      const read = await readTopic(t.brokers, t.topic, (m) => m.length >= 1);
      assert.ok(read.some((m) => m.value?.includes(purchaseId)));
    } finally {
      server.close();
    }
  });

  test('a topic that does not exist: 503 with Retry-After, not ready, no hang', async () => {
    const t = await topic();
    const s = await service(
      t,
      { KAFKA_TOPIC: `${t.topic}-missing`, PURCHASE_STARTUP_KAFKA_WAIT_MS: '500' },
      '/healthz',
    );
    const response = await purchase(s.url, '/purchase/1/customer/1/date/20210101', {
      items: [{ ItemID: '1', numberOfItems: 1 }],
    });
    assert.equal(response.status, 503);
    assert.ok(response.headers.get('retry-after'));
    assert.equal((await fetch(`${s.url}/readyz`)).status, 503);
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM under concurrent load: exit 0, and every acknowledged purchase is on the topic', async (t) => {
    const tt = await topic();
    const s = await service(tt);
    const acknowledged: string[] = [];
    const statuses = new Map<string, number>();
    let stop = false;
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const response = await purchase(
            s.url,
            `/purchase/${1 + ((c * 31 + i) % 500)}/customer/${c + 1}/date/20210101`,
            {
              items: [{ ItemID: String(1 + (i % 100)), 'numberOfItems:': 1 }],
            },
          );
          const answer = (await response.json()) as { purchaseId?: string; code?: string };
          const key = `${response.status}${answer.code ? ` ${answer.code}` : ''}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          if (response.status === 201) acknowledged.push(answer.purchaseId!);
        } catch {
          // Connection refused or reset once the server is closed: not acknowledged, so not our concern.
          statuses.set('error', (statuses.get('error') ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const clients = Array.from({ length: 16 }, (_, c) => client(c));
    while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 20));
    const ackedBeforeSignal = acknowledged.length;
    const exitCode = await s.stop();
    stop = true;
    await Promise.all(clients);
    assert.equal(exitCode, 0, s.output().slice(-2000));
    assert.ok(
      [...statuses.keys()].every((k) => !k.startsWith('5') || k.startsWith('503')),
      JSON.stringify([...statuses]),
    );
    const wanted = new Set(acknowledged);
    t.diagnostic(
      `acknowledged ${acknowledged.length} (${acknowledged.length - ackedBeforeSignal} after SIGTERM); answers ${JSON.stringify([...statuses])}`,
    );
    const read = await readTopic(
      tt.brokers,
      tt.topic,
      (m) => {
        return m.length >= wanted.size && [...wanted].every((id) => m.some((x) => x.value?.includes(id)));
      },
      60_000,
    );
    const onTopic = new Set(
      read.map((m) => {
        const decoded = decodePurchaseEvent(m.value);
        assert.ok(decoded.ok);
        return decoded.event.purchaseId;
      }),
    );
    const missing = acknowledged.filter((id) => !onTopic.has(id));
    assert.deepEqual(
      missing,
      [],
      `${missing.length} of ${acknowledged.length} acknowledged purchases are missing`,
    );
  });
});
