import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { v5 as uuidv5, validate as isUuid, version as uuidVersion } from 'uuid';
import {
  canonicalPurchaseBody,
  canonicalPurchasePath,
  checkIdempotencyKey,
  derivePurchaseId,
  idempotencyKeyHash,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  PURCHASE_ID_NAMESPACE,
  purchaseIdGenerator,
} from '../../src/domain/purchase-id.js';

const path = { storeId: 7, customerId: 9, date: '2021-01-01' };

test('the canonical path is the one a client sends', () => {
  assert.equal(canonicalPurchasePath(path), '/purchase/7/customer/9/date/20210101');
});

const items = [
  { itemId: 42, quantity: 3 },
  { itemId: 5, quantity: 1 },
];
const request = { idempotencyKey: 'retry-me', apiKeyId: undefined, path, items };

test('the canonical body is the line items in item id order, whatever order they came in', () => {
  assert.equal(canonicalPurchaseBody(items), '5x1,42x3');
  assert.equal(canonicalPurchaseBody([...items].reverse()), '5x1,42x3');
});

test('a keyed purchase id is a UUIDv5 of the whole request: same request, same id', () => {
  const id = derivePurchaseId(request);
  assert.ok(isUuid(id));
  assert.equal(uuidVersion(id), 5);
  assert.equal(derivePurchaseId({ ...request, path: { ...path }, items: [...items].reverse() }), id);
  assert.notEqual(derivePurchaseId({ ...request, idempotencyKey: 'retry-me-2' }), id);
  assert.notEqual(derivePurchaseId({ ...request, path: { ...path, storeId: 8 } }), id);
  assert.notEqual(derivePurchaseId({ ...request, path: { ...path, customerId: 10 } }), id);
  assert.notEqual(derivePurchaseId({ ...request, path: { ...path, date: '2021-01-02' } }), id);
  assert.notEqual(derivePurchaseId({ ...request, apiKeyId: 'a1b2c3d4e5f6' }), id);
  assert.notEqual(derivePurchaseId({ ...request, items: [{ itemId: 42, quantity: 4 }, items[1]!] }), id);
  assert.notEqual(derivePurchaseId({ ...request, items: [items[0]!] }), id);
});

test('the idempotency key hash names the key in its scope and ignores the body', () => {
  const hash = idempotencyKeyHash(request);
  assert.equal(uuidVersion(hash), 5);
  assert.equal(idempotencyKeyHash({ ...request, items: [{ itemId: 1, quantity: 1 }] }), hash);
  assert.notEqual(idempotencyKeyHash({ ...request, apiKeyId: 'a1b2c3d4e5f6' }), hash);
  assert.notEqual(idempotencyKeyHash({ ...request, path: { ...path, storeId: 8 } }), hash);
  assert.notEqual(idempotencyKeyHash({ ...request, idempotencyKey: 'other' }), hash);
});

test('property: distinct requests give distinct ids', () => {
  const arbitrary = fc.record({
    key: fc.string({ minLength: 1, maxLength: 20 }),
    storeId: fc.integer({ min: 1, max: 50 }),
    quantity: fc.integer({ min: 1, max: 5 }),
  });
  const idOf = (r: { key: string; storeId: number; quantity: number }) =>
    derivePurchaseId({
      idempotencyKey: r.key,
      apiKeyId: undefined,
      path: { ...path, storeId: r.storeId },
      items: [{ itemId: 1, quantity: r.quantity }],
    });
  fc.assert(
    fc.property(arbitrary, arbitrary, (a, b) => {
      fc.pre(a.key !== b.key || a.storeId !== b.storeId || a.quantity !== b.quantity);
      assert.notEqual(idOf(a), idOf(b));
    }),
  );
});

test('the generator derives keyed ids with their key hash and asks the random source otherwise', () => {
  let calls = 0;
  const generate = purchaseIdGenerator(() => `random-${++calls}`);
  const unkeyed = { ...request, idempotencyKey: undefined };
  assert.deepEqual(generate(unkeyed), { purchaseId: 'random-1' });
  assert.deepEqual(generate(unkeyed), { purchaseId: 'random-2' });
  assert.deepEqual(generate(request), {
    purchaseId: derivePurchaseId(request),
    idempotencyKeyHash: idempotencyKeyHash(request),
  });
  assert.equal(calls, 2);
});

test('the default random ids are UUIDv7 and unique', () => {
  const generate = purchaseIdGenerator();
  const ids = new Set(
    Array.from({ length: 1000 }, () => generate({ ...request, idempotencyKey: undefined }).purchaseId),
  );
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

test('ids are the UUIDv5s of the documented strings: hashing bytes gives what the string API gives', () => {
  // Ids must not change across versions: a client retrying across a deploy must get the same id.
  const generate = purchaseIdGenerator();
  fc.assert(
    fc.property(
      fc.stringMatching(/^[\x20-\x7e]{1,200}$/),
      fc.option(fc.stringMatching(/^[0-9a-f]{12}$/), { nil: undefined }),
      fc.integer({ min: 0, max: 2147483647 }),
      fc.array(
        fc.record({
          itemId: fc.integer({ min: 0, max: 2147483647 }),
          quantity: fc.integer({ min: 1, max: 1000 }),
        }),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      (idempotencyKey, apiKeyId, storeId, lineItems) => {
        const keyed = { idempotencyKey, apiKeyId, path: { ...path, storeId }, items: lineItems };
        const scope = `${apiKeyId ?? ''}\n${idempotencyKey}\n${canonicalPurchasePath(keyed.path)}`;
        const hash = uuidv5(scope, PURCHASE_ID_NAMESPACE);
        const id = uuidv5(canonicalPurchaseBody(lineItems), hash);
        assert.equal(idempotencyKeyHash(keyed), hash);
        assert.equal(derivePurchaseId(keyed), id);
        assert.deepEqual(generate(keyed), { purchaseId: id, idempotencyKeyHash: hash });
      },
    ),
  );
});
