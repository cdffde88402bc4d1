import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePurchaseEvent, EventHeaders, parseTraceparent } from '@tillstream/contract';
import { toPurchaseMessage, type AcceptedPurchase } from '../../src/domain/purchase-message.js';

const purchase: AcceptedPurchase = {
  path: { storeId: 31, customerId: 4, date: '2021-02-28' },
  items: [
    { itemId: 5, quantity: 6 },
    { itemId: 3, quantity: 1 },
  ],
  purchaseId: '0190a6f4-8c2a-7d3e-9b1c-2f3e4d5c6b7a',
  receivedAt: new Date('2021-03-01T10:00:00.123Z'),
};

test('the message is keyed by store and carries a valid v1 event', () => {
  const message = toPurchaseMessage(purchase);
  assert.equal(message.key, '31');
  const decoded = decodePurchaseEvent(message.value);
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.deepEqual(decoded.event, {
    v: 1,
    purchaseId: purchase.purchaseId,
    storeId: 31,
    customerId: 4,
    date: '2021-02-28',
    items: [
      { itemId: 5, quantity: 6 },
      { itemId: 3, quantity: 1 },
    ],
    receivedAt: '2021-03-01T10:00:00.123Z',
  });
  assert.equal(message.headers[EventHeaders.schemaVersion], '1');
  assert.equal(message.headers[EventHeaders.contentType], 'application/json');
});

test('a valid incoming traceparent is continued: same trace, new span', () => {
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const trace = parseTraceparent(toPurchaseMessage(purchase, incoming).headers[EventHeaders.traceparent]);
  assert.ok(trace);
  assert.equal(trace.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.notEqual(trace.parentId, '00f067aa0ba902b7');
  assert.equal(trace.flags, '01');
});

test('without a valid traceparent a new trace starts', () => {
  for (const incoming of [undefined, 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01']) {
    const a = parseTraceparent(toPurchaseMessage(purchase, incoming).headers[EventHeaders.traceparent]);
    const b = parseTraceparent(toPurchaseMessage(purchase, incoming).headers[EventHeaders.traceparent]);
    assert.ok(a && b);
    assert.notEqual(a.traceId, b.traceId);
  }
});

test("the API key's id travels in a header when the purchase was written with a key, and only then", () => {
  assert.equal(toPurchaseMessage(purchase).headers[EventHeaders.apiKeyId], undefined);
  assert.equal(
    toPurchaseMessage({ ...purchase, apiKeyId: '0a1b2c3d4e5f' }).headers[EventHeaders.apiKeyId],
    '0a1b2c3d4e5f',
  );
});
