import { test } from 'node:test';
import assert from 'node:assert/strict';
import { purchaseWriteParams } from '../src/purchase-writes.js';

const purchase = (id: string, storeId: number, items: [number, number][]) => ({
  purchaseId: id,
  storeId,
  customerId: 9,
  date: '2021-01-01',
  receivedAt: '2021-06-01T12:00:00.000Z',
  items: items.map(([itemId, quantity]) => ({ itemId, quantity })),
});

test('column arrays: one entry per purchase, one per line item', () => {
  assert.deepEqual(
    purchaseWriteParams([
      purchase('a', 1, [
        [10, 2],
        [11, 1],
      ]),
      purchase('b', 2, [[10, 5]]),
    ]),
    [
      ['a', 'b'],
      [1, 2],
      [9, 9],
      ['2021-01-01', '2021-01-01'],
      ['2021-06-01T12:00:00.000Z', '2021-06-01T12:00:00.000Z'],
      ['a', 'a', 'b'],
      [10, 11, 10],
      [2, 1, 5],
    ],
  );
});

test('a purchase id repeated in one call is written once (its first occurrence)', () => {
  const params = purchaseWriteParams([purchase('a', 1, [[10, 2]]), purchase('a', 1, [[10, 2]])]);
  assert.deepEqual(params[0], ['a']);
  assert.deepEqual(params[7], [2]);
});
