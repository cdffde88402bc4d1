import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  createTestShards,
  startService,
  type RunningService,
  type TestShards,
} from '@tillstream/stack/harness';

// MODE=sync-db: the built purchase service writes each purchase to one real Postgres in the
// request. Build first: `npx tsc -b services/purchase`.

let shards: TestShards;
let service: RunningService;
let db: pg.Pool;

before(async () => {
  shards = await createTestShards(1);
  db = new pg.Pool({ connectionString: shards.urls[0], max: 2 });
  service = await startService('purchase', {
    MODE: 'sync-db',
    SHARD_URLS: shards.urls.join(','),
    PURCHASE_WORKERS: '1',
    DB_POOL_MAX: '4',
    // No Kafka in this mode: an unreachable broker must not matter.
    KAFKA_BROKERS: '127.0.0.1:1',
  });
});
after(async () => {
  await service?.kill();
  await db?.end();
  await shards?.remove();
});

async function post(store: number, items: [number, number][], key?: string) {
  const response = await fetch(`${service.url}/purchase/${store}/customer/9/date/20210101`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ items: items.map(([id, n]) => ({ ItemID: String(id), 'numberOfItems:': n })) }),
  });
  return { status: response.status, body: (await response.json()) as { purchaseId?: string } };
}

test('a 201 means the purchase is committed: visible to another connection at once', async () => {
  const { status, body } = await post(101, [
    [7, 2],
    [8, 1],
  ]);
  assert.equal(status, 201);
  const { rows } = await db.query<{ store_id: number; kafka_partition: number }>(
    'SELECT store_id, kafka_partition FROM purchases WHERE purchase_id = $1',
    [body.purchaseId],
  );
  assert.deepEqual(rows, [{ store_id: 101, kafka_partition: -1 }]);
  const items = await db.query(
    'SELECT item_id, quantity FROM purchase_items WHERE purchase_id = $1 ORDER BY 1',
    [body.purchaseId],
  );
  assert.deepEqual(items.rows, [
    { item_id: 7, quantity: 2 },
    { item_id: 8, quantity: 1 },
  ]);
});

test('a retried Idempotency-Key is stored and counted once', async () => {
  const first = await post(102, [[5, 3]], 'retry-key-1');
  const second = await post(102, [[5, 3]], 'retry-key-1');
  assert.equal(first.status, 201);
  assert.equal(second.status, 201);
  assert.equal(second.body.purchaseId, first.body.purchaseId);
  const { rows } = await db.query<{ purchases: number; quantity: string }>(
    `SELECT (SELECT count(*)::int FROM purchases WHERE store_id = 102) AS purchases,
            (SELECT quantity FROM store_item_totals WHERE store_id = 102 AND item_id = 5) AS quantity`,
  );
  assert.deepEqual(rows[0], { purchases: 1, quantity: '3' });
});

test('concurrent purchases and retries: totals equal the ledger of distinct 201s exactly', async () => {
  // 50 purchases; the first 10 are sent twice at once with the same key (a client retry racing its
  // original), so 60 requests must store 50 purchases.
  const purchase = (i: number) => ({ item: 1 + (i % 4), quantity: 1 + (i % 3), key: `concurrent-${i}` });
  const sends = [...Array.from({ length: 50 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => i)];
  const answers = await Promise.all(
    sends.map(async (i) => {
      const p = purchase(i);
      return post(103, [[p.item, p.quantity]], p.key);
    }),
  );
  assert.deepEqual(
    answers.map((a) => a.status),
    sends.map(() => 201),
  );
  const ledger = new Map<number, number>();
  for (let i = 0; i < 50; i++) {
    const p = purchase(i);
    ledger.set(p.item, (ledger.get(p.item) ?? 0) + p.quantity);
  }
  const purchases = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM purchases WHERE store_id = 103',
  );
  assert.equal(purchases.rows[0]!.n, 50);
  const totals = await db.query<{ item_id: number; quantity: string }>(
    'SELECT item_id, quantity FROM store_item_totals WHERE store_id = 103 ORDER BY item_id',
  );
  assert.deepEqual(
    totals.rows.map((r) => [r.item_id, Number(r.quantity)]),
    [...ledger.entries()].sort((a, b) => a[0] - b[0]),
  );
});
