import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePurchaseEvent } from '@tillstream/contract';
import { planDeliveries } from '../../src/baselines/rabbitmq-batch.js';

const event = {
  v: 1 as const,
  purchaseId: '0190f5c2-1111-7000-8000-000000000001',
  storeId: 7,
  customerId: 9,
  date: '2021-01-01',
  items: [{ itemId: 42, quantity: 3 }],
  receivedAt: '2021-06-01T12:00:00.000Z',
};

test('events are kept in order, poison is set apart with its reason, the last tag covers the batch', () => {
  const plan = planDeliveries([
    { deliveryTag: 4, content: Buffer.from(encodePurchaseEvent(event)) },
    { deliveryTag: 5, content: Buffer.from('not json') },
    { deliveryTag: 6, content: Buffer.from(JSON.stringify({ ...event, v: 9 })) },
    { deliveryTag: 7, content: Buffer.from(encodePurchaseEvent({ ...event, storeId: 8 })) },
  ]);
  assert.deepEqual(
    plan.events.map((e) => e.storeId),
    [7, 8],
  );
  assert.deepEqual(
    plan.poison.map((p) => [p.delivery.deliveryTag, p.reason]),
    [
      [5, 'unparseable'],
      [6, 'unsupported-version'],
    ],
  );
  assert.equal(plan.lastTag, 7);
});
