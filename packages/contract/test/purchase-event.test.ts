import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodePurchaseEvent,
  encodePurchaseEvent,
  purchaseEventJsonSchema,
  type PurchaseEvent,
} from '../src/purchase-event.js';

const event: PurchaseEvent = {
  v: 1,
  purchaseId: '0190f5c2-6d1e-7c3a-9a1b-2f3e4d5c6b7a',
  storeId: 7,
  customerId: 7001,
  date: '2021-01-01',
  items: [
    { itemId: 42, quantity: 3 },
    { itemId: 43, quantity: 1 },
  ],
  receivedAt: '2026-11-22T11:00:00.000Z',
};

test('an encoded event decodes to itself', () => {
  const result = decodePurchaseEvent(Buffer.from(encodePurchaseEvent(event)));
  assert.deepEqual(result, { ok: true, event });
});

test('store 0, customer 0 and item 0 are ids like any other (the API range is 0 … 2147483647)', () => {
  const zero: PurchaseEvent = { ...event, storeId: 0, customerId: 0, items: [{ itemId: 0, quantity: 1 }] };
  assert.deepEqual(decodePurchaseEvent(encodePurchaseEvent(zero)), { ok: true, event: zero });
  const top: PurchaseEvent = {
    ...event,
    storeId: 2147483647,
    customerId: 2147483647,
    items: [{ itemId: 2147483647, quantity: 1 }],
  };
  assert.deepEqual(decodePurchaseEvent(encodePurchaseEvent(top)), { ok: true, event: top });
});

test('poison values are classified, never thrown', () => {
  assert.equal(decodePurchaseEvent(null).ok, false);
  const cases: [string, string][] = [
    ['{not json', 'unparseable'],
    ['[]', 'invalid'],
    [JSON.stringify({ ...event, v: 2 }), 'unsupported-version'],
    [JSON.stringify({ ...event, storeId: -1 }), 'invalid'],
    [JSON.stringify({ ...event, customerId: 2147483648 }), 'invalid'],
    [JSON.stringify({ ...event, items: [{ itemId: 1.5, quantity: 1 }] }), 'invalid'],
    [JSON.stringify({ ...event, date: '2021-02-30' }), 'invalid'],
    [JSON.stringify({ ...event, items: [] }), 'invalid'],
    [
      JSON.stringify({
        ...event,
        items: [
          { itemId: 1, quantity: 1 },
          { itemId: 1, quantity: 2 },
        ],
      }),
      'invalid',
    ],
    [JSON.stringify({ ...event, extra: true }), 'invalid'],
    [JSON.stringify({ ...event, purchaseId: 'x' }), 'invalid'],
  ];
  for (const [value, reason] of cases) {
    const result = decodePurchaseEvent(value);
    assert.equal(result.ok, false, value);
    if (!result.ok) assert.equal(result.reason, reason, value);
  }
});

test('decoding arbitrary bytes never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const result = decodePurchaseEvent(bytes);
      assert.equal(typeof result.ok, 'boolean');
    }),
  );
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const result = decodePurchaseEvent(JSON.stringify(value));
      assert.equal(result.ok, false);
    }),
  );
});

test('the published JSON Schema describes the event', () => {
  const schema = purchaseEventJsonSchema() as { required: string[]; properties: Record<string, unknown> };
  assert.deepEqual([...schema.required].sort(), [
    'customerId',
    'date',
    'items',
    'purchaseId',
    'receivedAt',
    'storeId',
    'v',
  ]);
});
