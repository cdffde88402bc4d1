import { test } from 'node:test';
import assert from 'node:assert/strict';
import { purchaseOfMessage } from '../../src/baselines/sync-db.js';
import { toPurchaseMessage } from '../../src/domain/purchase-message.js';

test('the purchase written is the event the service encoded', () => {
  const message = toPurchaseMessage({
    path: { storeId: 7, customerId: 9, date: '2021-01-01' },
    items: [
      { itemId: 42, quantity: 3 },
      { itemId: 5, quantity: 1 },
    ],
    purchaseId: '0190f5c2-1111-7000-8000-000000000001',
    receivedAt: new Date('2021-06-01T12:00:00.000Z'),
  });
  assert.deepEqual(purchaseOfMessage(message), {
    v: 1,
    purchaseId: '0190f5c2-1111-7000-8000-000000000001',
    storeId: 7,
    customerId: 9,
    date: '2021-01-01',
    items: [
      { itemId: 42, quantity: 3 },
      { itemId: 5, quantity: 1 },
    ],
    receivedAt: '2021-06-01T12:00:00.000Z',
  });
});
