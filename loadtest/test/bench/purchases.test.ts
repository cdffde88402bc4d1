import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  keyedPurchaseRequests,
  purchaseRequest,
  randomPurchase,
  seededPurchaseRequests,
} from '../../src/bench/purchases.js';
import { prng } from '../../src/workload.js';

test('randomPurchase: every id and quantity in its range, 1…maxItems distinct items', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 20 }),
      (seed, maxItemId, maxItems) => {
        const ranges = { stores: 7, customers: 11, maxItemId, maxItems, maxQuantity: 3, date: '20250101' };
        const purchase = randomPurchase(prng(seed), ranges);
        assert.ok(purchase.storeId >= 1 && purchase.storeId <= 7);
        assert.ok(purchase.customerId >= 1 && purchase.customerId <= 11);
        assert.equal(purchase.date, '20250101');
        const ids = purchase.items.map((i) => i.itemId);
        assert.ok(ids.length >= 1 && ids.length <= Math.min(maxItems, maxItemId));
        assert.equal(new Set(ids).size, ids.length);
        for (const item of purchase.items) {
          assert.ok(item.itemId >= 1 && item.itemId <= maxItemId);
          assert.ok(item.quantity >= 1 && item.quantity <= 3);
        }
      },
    ),
  );
});

test('randomPurchase: the same seed draws the same purchases', () => {
  const ranges = {
    stores: 1000,
    customers: 1000,
    maxItemId: 100,
    maxItems: 5,
    maxQuantity: 10,
    date: '20210101',
  };
  const draw = () => {
    const random = prng(42);
    return Array.from({ length: 20 }, () => randomPurchase(random, ranges));
  };
  assert.deepEqual(draw(), draw());
});

test("purchaseRequest: the API path and the course clients' body", () => {
  const request = purchaseRequest({
    storeId: 3,
    customerId: 44,
    date: '20210101',
    items: [
      { itemId: 5, quantity: 2 },
      { itemId: 9, quantity: 1 },
    ],
  });
  assert.deepEqual(request, {
    name: 'POST /purchase',
    method: 'POST',
    path: '/purchase/3/customer/44/date/20210101',
    body: '{"items":[{"ItemID":"5","numberOfItems:":2},{"ItemID":"9","numberOfItems:":1}]}',
  });
});

test('keyedPurchaseRequests: the seeded requests in turn, each with an Idempotency-Key never sent before', () => {
  const next = keyedPurchaseRequests('run-1', 3);
  const seeded = seededPurchaseRequests(3);
  const sent = Array.from({ length: 7 }, () => next());
  assert.deepEqual(
    sent.map((r) => r.path),
    [0, 1, 2, 0, 1, 2, 0].map((i) => seeded[i]!.path),
  );
  assert.equal(sent[3]!.body, seeded[0]!.body);
  const keys = sent.map((r) => r.headers?.['idempotency-key']);
  assert.equal(new Set(keys).size, 7);
  assert.ok(keys.every((key) => key?.startsWith('run-1-')));
  assert.notEqual(keyedPurchaseRequests('run-2', 3)().headers?.['idempotency-key'], keys[0]);
});
