// Ids are the published API's integers, 0 … 2147483647, on every path of both services: a purchase of
// store 0 by customer 0 of item 0 (course clients number their stores and customers from 0) and one at
// the top of the range are accepted, and after the drain each is counted exactly once — on its shard
// and in both Store API answers — while ids outside the range stay 400 with a stable code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ID } from '@tillstream/contract';
import { drainAndVerify, useIsolatedPipeline } from './support/pipeline.js';
import { Ledger } from '../src/ledger.js';
import { waitForDrain } from '../src/verify.js';

// Plays a course client, which sends no API key: the CS6650-compatible mode.
const fixture = useIsolatedPipeline(12, { auth: 'off' });

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${fixture.pipeline.targets.purchaseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${fixture.pipeline.targets.storeUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('store 0, customer 0 and item 0 are counted exactly once, like the top of the range', async () => {
  const ledger = new Ledger(10);
  const purchases = [
    { store: 0, customer: 0, items: [{ ItemID: '0', 'numberOfItems:': 3 }] },
    {
      store: 0,
      customer: 999,
      items: [
        { ItemID: '0', 'numberOfItems:': 2 },
        { ItemID: '7', 'numberOfItems:': 1 },
      ],
    },
    { store: MAX_ID, customer: MAX_ID, items: [{ ItemID: String(MAX_ID), 'numberOfItems:': 4 }] },
    { store: 1, customer: 1000, items: [{ ItemID: 0, numberOfItems: 1 }] },
  ];
  for (const p of purchases) {
    const answer = await post(`/purchase/${p.store}/customer/${p.customer}/date/20210101`, {
      items: p.items,
    });
    assert.equal(answer.status, 201, JSON.stringify({ p, answer }));
  }

  // The ledger's dense counters cover items 0…10; the top-of-range item is checked on its own below.
  for (const p of purchases.filter((x) => x.store !== MAX_ID)) {
    ledger.add(
      p.store,
      p.items.map((i) => ({ itemId: Number(i.ItemID), quantity: i['numberOfItems:'] ?? i.numberOfItems! })),
    );
  }
  const { drain, report } = await drainAndVerify(fixture, ledger, [0, 1], 60_000);
  assert.ok(drain.drained, JSON.stringify(drain));
  assert.equal(drain.expectedQuantity, 7);
  assert.ok(report.ok, JSON.stringify(report, null, 2));
  assert.deepEqual(Object.fromEntries(await fixture.shards.purchaseCounts(0, 1)), { 0: 2, 1: 1 });

  assert.deepEqual(await get('/items/store/0'), {
    status: 200,
    body: {
      stores: [
        { itemID: 0, numberOfItems: 5 },
        { itemID: 7, numberOfItems: 1 },
      ],
    },
  });
  assert.deepEqual(await get('/items/top10/0'), {
    status: 200,
    body: {
      stores: [
        { storeID: 0, numberOfItems: 5 },
        { storeID: 1, numberOfItems: 1 },
      ],
    },
  });

  const top = await waitForDrain({
    shards: fixture.shards,
    fromStore: MAX_ID,
    toStore: MAX_ID,
    expectedQuantity: 4,
    timeoutMs: 60_000,
  });
  assert.ok(top.drained, JSON.stringify(top));
  assert.deepEqual(await get(`/items/store/${MAX_ID}`), {
    status: 200,
    body: { stores: [{ itemID: MAX_ID, numberOfItems: 4 }] },
  });
  assert.deepEqual(await get(`/items/top10/${MAX_ID}`), {
    status: 200,
    body: { stores: [{ storeID: MAX_ID, numberOfItems: 4 }] },
  });
});

test('ids outside 0…2147483647 or not in canonical decimal are 400 with a stable code naming the range', async () => {
  const good = { items: [{ ItemID: '1', 'numberOfItems:': 1 }] };
  for (const bad of [
    '-1',
    '+1',
    '1.5',
    '1e3',
    '0x1',
    '00',
    '007',
    String(MAX_ID + 1),
    '99999999999',
    '%201',
  ]) {
    for (const path of [
      `/purchase/${bad}/customer/1/date/20210101`,
      `/purchase/1/customer/${bad}/date/20210101`,
    ]) {
      const answer = await post(path, good);
      assert.equal(answer.status, 400, path);
      assert.equal(answer.body.code, 'INVALID_PATH', path);
      assert.match(String(answer.body.message), /0…2147483647/, path);
    }
    const item = await post('/purchase/1/customer/1/date/20210101', {
      items: [{ ItemID: bad, 'numberOfItems:': 1 }],
    });
    assert.equal(item.status, 400, `ItemID ${bad}`);
    assert.equal(item.body.code, 'INVALID_BODY');
    assert.match(String(item.body.message), /0…2147483647/);
    for (const route of ['/items/store/', '/items/top10/']) {
      const answer = await get(`${route}${bad}`);
      assert.equal(answer.status, 400, `${route}${bad}`);
      assert.equal(answer.body.code, 'INVALID_ID');
      assert.match(String(answer.body.message), /0…2147483647/);
    }
  }
  for (const bad of [-1, MAX_ID + 1, 1.5]) {
    const item = await post('/purchase/1/customer/1/date/20210101', {
      items: [{ ItemID: bad, numberOfItems: 1 }],
    });
    assert.equal(item.status, 400, `ItemID ${bad}`);
    assert.equal(item.body.code, 'INVALID_BODY');
  }
});
