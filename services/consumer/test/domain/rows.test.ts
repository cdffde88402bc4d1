import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch, type EventMessage } from '../../src/domain/batch-plan.js';
import { EventHeaders } from '@tillstream/contract';
import { buildRows, idempotencyKeyHashOf } from '../../src/domain/rows.js';
import { event, message } from '../support/events.js';

describe('buildRows', () => {
  it('builds one column array per field, an item row per line item tied to its purchase', () => {
    const topology = { partitionCount: 1, shardCount: 1 };
    const first = event(4, [
      [10, 2],
      [11, 3],
    ]);
    const second = event(5, [[10, 1]]);
    const keyHash = '6f1c2f4e-9a55-5b0e-8c1d-2b3a4c5d6e7f';
    const keyed = {
      ...message(9, second),
      headers: { [EventHeaders.idempotencyKeyHash]: Buffer.from(keyHash) },
    };
    const events = decodeBatch([message(7, first), keyed], 0, topology) as EventMessage[];
    const rows = buildRows(events);
    assert.deepEqual(rows.purchases, {
      purchaseIds: [first.purchaseId, second.purchaseId],
      storeIds: [4, 5],
      customerIds: [7, 7],
      dates: ['2025-01-31', '2025-01-31'],
      receivedAts: ['2025-01-31T12:00:00.000Z', '2025-01-31T12:00:00.000Z'],
      offsets: [7, 9],
      idempotencyKeyHashes: [null, keyHash],
    });
    assert.deepEqual(rows.items, {
      purchaseIds: [first.purchaseId, first.purchaseId, second.purchaseId],
      itemIds: [10, 11, 10],
      quantities: [2, 3, 1],
    });
  });
});

describe('idempotencyKeyHashOf', () => {
  it('reads a UUID header (string, Buffer or first of an array) and ignores anything else', () => {
    const hash = '6f1c2f4e-9a55-5b0e-8c1d-2b3a4c5d6e7f';
    const withHeader = (value: unknown) =>
      ({ ...message(1, 'x'), headers: { [EventHeaders.idempotencyKeyHash]: value } }) as ReturnType<
        typeof message
      >;
    assert.equal(idempotencyKeyHashOf(withHeader(hash)), hash);
    assert.equal(idempotencyKeyHashOf(withHeader(Buffer.from(hash))), hash);
    assert.equal(idempotencyKeyHashOf(withHeader([hash, 'other'])), hash);
    assert.equal(idempotencyKeyHashOf(message(1, 'x')), null);
    assert.equal(idempotencyKeyHashOf(withHeader("'); DROP TABLE purchases; --")), null);
  });
});
