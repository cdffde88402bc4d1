import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeProfile, purchaseOf, purchasePath, idempotencyKey } from '@tillstream/loadtest/workload';
// The purchase service's own derivation: the chaos check must compute the very ids the service gives.
import { derivePurchaseId } from '../../services/purchase/src/domain/purchase-id.js';
import { validateBody } from '../../services/purchase/src/domain/purchase-request.js';
import { keyIdOf } from '../../services/purchase/src/auth.js';
import {
  apiKeyIdOf,
  checkPurchaseIds,
  expectedPurchaseId,
  purchaseIdsOfClient,
} from '../src/purchase-ids.js';

function validBody(items: readonly { itemId: number; quantity: number }[]) {
  const result = validateBody({
    items: items.map((i) => ({ ItemID: String(i.itemId), numberOfItems: i.quantity })),
  });
  assert.ok(result.ok);
  return result.value;
}

test('with an API key, the expected purchaseIds are the ones the service derives for that key', () => {
  const profile = makeProfile({ stores: 2, purchasesPerHour: 2, storeIdBase: 1000, maxItemId: 3 });
  const apiKey = 'tsk_chaos-stack-key-0123456789';
  assert.equal(apiKeyIdOf(apiKey), keyIdOf(apiKey));
  const [id] = purchaseIdsOfClient(profile, 'run1', 1001, 1, 1, apiKeyIdOf(apiKey));
  const p = purchaseOf(profile, 1, 0);
  const fromService = derivePurchaseId({
    idempotencyKey: idempotencyKey('run1', 1001, 0),
    apiKeyId: keyIdOf(apiKey),
    path: {
      storeId: p.storeId,
      customerId: p.customerId,
      date: `${p.date.slice(0, 4)}-${p.date.slice(4, 6)}-${p.date.slice(6)}`,
    },
    items: validBody(p.items),
  });
  assert.equal(id, fromService);
  assert.notEqual(id, purchaseIdsOfClient(profile, 'run1', 1001, 1, 1)[0]);
});

test('the expected purchaseIds are the ones the purchase service derives from the Idempotency-Key', () => {
  const profile = makeProfile({ stores: 3, purchasesPerHour: 2, storeIdBase: 1000, maxItemId: 3 });
  const ids = purchaseIdsOfClient(profile, 'run1', 1002, 1, 4);
  assert.equal(ids.length, 4);
  assert.equal(new Set(ids).size, 4);
  for (let sequence = 0; sequence < 4; sequence++) {
    const p = purchaseOf(profile, 1, sequence);
    const request = {
      idempotencyKey: idempotencyKey('run1', 1002, sequence),
      apiKeyId: undefined,
      path: {
        storeId: p.storeId,
        customerId: p.customerId,
        date: `${p.date.slice(0, 4)}-${p.date.slice(4, 6)}-${p.date.slice(6)}`,
      },
      // What the service's validation makes of the body: repeated item ids summed.
      items: validBody(p.items),
    };
    const fromService = derivePurchaseId(request);
    assert.equal(ids[sequence], fromService);
    assert.equal(
      expectedPurchaseId(idempotencyKey('run1', 1002, sequence), purchasePath(p), p.items),
      fromService,
    );
    assert.equal(
      expectedPurchaseId(idempotencyKey('run1', 1002, sequence), purchasePath(p), p.items, 'abc123'),
      derivePurchaseId({ ...request, apiKeyId: 'abc123' }),
    );
  }
});

test('lost, duplicated, misplaced and unacknowledged ids are each counted', () => {
  const expected = new Map([
    ['a', 0],
    ['b', 1],
    ['c', 1],
    ['d', 0],
  ]);
  const clean = checkPurchaseIds(expected, [
    ['a', 'd'],
    ['b', 'c'],
  ]);
  assert.equal(clean.ok, true);
  assert.equal(clean.acknowledged, 4);

  const broken = checkPurchaseIds(expected, [['a', 'b'], ['b', 'd', 'x'], []]);
  assert.equal(broken.ok, false);
  assert.equal(broken.lost, 1); // c
  assert.equal(broken.duplicated, 1); // b on shards 0 and 1
  assert.equal(broken.misplaced, 1); // d on shard 1, owner 0
  assert.equal(broken.unacknowledged, 1); // x
  assert.ok(broken.examples.some((e) => e.startsWith('c:')));
});
