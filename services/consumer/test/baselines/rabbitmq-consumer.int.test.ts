import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import pg from 'pg';
import {
  createTestShards,
  startService,
  startTestRabbitmq,
  uniqueName,
  type RunningService,
  type TestRabbitmq,
  type TestShards,
} from '@tillstream/stack/harness';

// MODE=rabbitmq end to end through the built services: purchase → durable queue (publisher
// confirms) → consumer → one Postgres, against a real rabbitmq-server started for this file.
// Build first: `npx tsc -b services/purchase services/consumer`.

let rabbit: TestRabbitmq;
let shards: TestShards;
let purchase: RunningService;
let db: pg.Pool;
const running: RunningService[] = [];
const queue = uniqueName('purchases');

before(async () => {
  [rabbit, shards] = await Promise.all([startTestRabbitmq(), createTestShards(1)]);
  db = new pg.Pool({ connectionString: shards.urls[0], max: 2 });
  purchase = await startService('purchase', {
    MODE: 'rabbitmq',
    RABBITMQ_URL: rabbit.url,
    RABBITMQ_QUEUE: queue,
    PURCHASE_WORKERS: '1',
    KAFKA_BROKERS: '127.0.0.1:1',
  });
  running.push(purchase);
});
after(async () => {
  await Promise.all(running.map((s) => s.kill()));
  await db?.end();
  await shards?.remove();
  await rabbit?.stop();
});

function consumer(prefetch: number): Promise<RunningService> {
  return startService('consumer', {
    MODE: 'rabbitmq',
    RABBITMQ_URL: rabbit.url,
    RABBITMQ_QUEUE: queue,
    RABBITMQ_PREFETCH: String(prefetch),
    RABBITMQ_BATCH_LINGER_MS: '5',
    RABBITMQ_DEPTH_INTERVAL_MS: '200',
    SHARD_URLS: shards.urls.join(','),
  }).then((s) => {
    running.push(s);
    return s;
  });
}

async function post(n: number): Promise<{ status: number; item: number; quantity: number }> {
  const item = 1 + (n % 7);
  const quantity = 1 + (n % 5);
  const response = await fetch(`${purchase.url}/purchase/${200 + (n % 3)}/customer/9/date/20210101`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `rmq-${n}` },
    body: JSON.stringify({ items: [{ ItemID: String(item), 'numberOfItems:': quantity }] }),
  });
  await response.arrayBuffer();
  return { status: response.status, item, quantity };
}

async function stored(): Promise<{ purchases: number; totals: Map<string, number> }> {
  const purchases = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM purchases');
  const totals = await db.query<{ store_id: number; item_id: number; quantity: string }>(
    'SELECT store_id, item_id, quantity FROM store_item_totals',
  );
  return {
    purchases: purchases.rows[0]!.n,
    totals: new Map(totals.rows.map((r) => [`${r.store_id}/${r.item_id}`, Number(r.quantity)])),
  };
}

test('queue → consumer → Postgres equals the ledger; a consumer killed mid-stream loses and double-counts nothing', async () => {
  const total = 600;
  // Every purchase once, and the first 50 a second time with the same key (client retries): the queue
  // then holds duplicates that must be counted once.
  const sends = [...Array.from({ length: total }, (_, n) => n), ...Array.from({ length: 50 }, (_, n) => n)];
  const ledger = new Map<string, number>();
  for (let i = 0; i < sends.length; i += 25) {
    const answers = await Promise.all(sends.slice(i, i + 25).map((n) => post(n)));
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 201),
    );
  }
  for (let n = 0; n < total; n++) {
    const key = `${200 + (n % 3)}/${1 + (n % 7)}`;
    ledger.set(key, (ledger.get(key) ?? 0) + 1 + (n % 5));
  }

  // Nothing is consumed yet: the acknowledged purchases wait in the durable queue.
  assert.equal((await stored()).purchases, 0);

  // One delivery per transaction (prefetch 1): 650 round trips, so the kill lands mid-stream even
  // when this process is starved of CPU between polls.
  const first = await consumer(1);
  for (;;) {
    const written = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM purchases');
    if (written.rows[0]!.n > 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await first.kill();
  const afterKill = (await stored()).purchases;
  assert.ok(afterKill < total, `the kill should land mid-stream (${afterKill} of ${total} written)`);

  let second = await consumer(10);
  // The consumer's lag metric must reach 0 (the queue's depth) for this to return.
  await waitForCountAndLag(second, total);
  // Every message has been handled once the queue holds none after a consumer stopped (a stopping
  // consumer writes and acknowledges what it was delivered): no redelivered duplicate can still come.
  await second.stop();
  while ((await readyMessages()) > 0) {
    second = await consumer(10);
    await waitForCountAndLag(second, total);
    await second.stop();
  }
  const now = await stored();
  assert.equal(now.purchases, total);
  assert.deepEqual([...now.totals.entries()].sort(), [...ledger.entries()].sort());
});

/** Waits until `total` purchases are stored and the consumer reports an empty queue. */
async function waitForCountAndLag(service: RunningService, total: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    if ((await stored()).purchases >= total && /consumer_lag\{partition="0"[^}]*\} 0/.test(metrics)) {
      return;
    }
    assert.ok(Date.now() < deadline, 'the queue was not drained in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Messages waiting in the queue, as the broker counts them. */
async function readyMessages(): Promise<number> {
  const connection = await amqp.connect(rabbit.url);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}
