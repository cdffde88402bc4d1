import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import {
  canonicalPurchasePath,
  checkIdempotencyKey,
  derivePurchaseId,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  purchaseIdGenerator,
} from '../src/purchase-id.js';

const path = { storeId: 7, customerId: 9, date: '2021-01-01' };

test('the canonical path is the one a client sends', () => {
  assert.equal(canonicalPurchasePath(path), '/purchase/7/customer/9/date/20210101');
});

test('a keyed purchase id is a UUIDv5 of key and path: same inputs, same id', () => {
  const id = derivePurchaseId('retry-me', path);
  assert.ok(isUuid(id));
  assert.equal(uuidVersion(id), 5);
  assert.equal(derivePurchaseId('retry-me', { ...path }), id);
  assert.notEqual(derivePurchaseId('retry-me-2', path), id);
  assert.notEqual(derivePurchaseId('retry-me', { ...path, storeId: 8 }), id);
  assert.notEqual(derivePurchaseId('retry-me', { ...path, customerId: 10 }), id);
  assert.notEqual(derivePurchaseId('retry-me', { ...path, date: '2021-01-02' }), id);
});

test('property: distinct (key, path) pairs give distinct ids', () => {
  const pair = fc.record({
    key: fc.string({ minLength: 1, maxLength: 20 }),
    storeId: fc.integer({ min: 1, max: 50 }),
  });
  fc.assert(
    fc.property(pair, pair, (a, b) => {
      fc.pre(a.key !== b.key || a.storeId !== b.storeId);
      assert.notEqual(
        derivePurchaseId(a.key, { ...path, storeId: a.storeId }),
        derivePurchaseId(b.key, { ...path, storeId: b.storeId }),
      );
    }),
  );
});

test('the generator derives keyed ids and asks the random source otherwise', () => {
  let calls = 0;
  const generate = purchaseIdGenerator(() => `random-${++calls}`);
  assert.equal(generate(undefined, path), 'random-1');
  assert.equal(generate(undefined, path), 'random-2');
  assert.equal(generate('k', path), derivePurchaseId('k', path));
  assert.equal(calls, 2);
});

test('the default random ids are UUIDv7 and unique', () => {
  const generate = purchaseIdGenerator();
  const ids = new Set(Array.from({ length: 1000 }, () => generate(undefined, path)));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.equal(uuidVersion(id), 7);
});

test('Idempotency-Key: absent, or 1…200 printable ASCII characters', () => {
  assert.deepEqual(checkIdempotencyKey(undefined), { ok: true, key: undefined });
  const longest = 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH);
  assert.deepEqual(checkIdempotencyKey(longest), { ok: true, key: longest });
  assert.deepEqual(checkIdempotencyKey('a b-c_1'), { ok: true, key: 'a b-c_1' });
  for (const bad of ['', `${longest}k`, 'é', 'a\tb', 'a\u0000']) {
    assert.equal(checkIdempotencyKey(bad).ok, false, JSON.stringify(bad));
  }
});
