import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch, type EventMessage } from '../src/batch-plan.js';
import { buildRows } from '../src/rows.js';
import { event, message } from './support/events.js';

describe('buildRows', () => {
  it('builds one column array per field, an item row per line item tied to its purchase', () => {
    const topology = { partitionCount: 1, shardCount: 1 };
    const first = event(4, [
      [10, 2],
      [11, 3],
    ]);
    const second = event(5, [[10, 1]]);
    const events = decodeBatch([message(7, first), message(9, second)], 0, topology) as EventMessage[];
    const rows = buildRows(events);
    assert.deepEqual(rows.purchases, {
      purchaseIds: [first.purchaseId, second.purchaseId],
      storeIds: [4, 5],
      customerIds: [7, 7],
      dates: ['2025-01-31', '2025-01-31'],
      receivedAts: ['2025-01-31T12:00:00.000Z', '2025-01-31T12:00:00.000Z'],
      offsets: [7, 9],
    });
    assert.deepEqual(rows.items, {
      purchaseIds: [first.purchaseId, first.purchaseId, second.purchaseId],
      itemIds: [10, 11, 10],
      quantities: [2, 3, 1],
    });
  });
});
