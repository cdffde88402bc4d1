import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffItemSets, mapLimit } from '../src/verify.js';

test('diffItemSets finds missing, extra and different totals', () => {
  const ledger = [
    { itemId: 1, quantity: 2 },
    { itemId: 5, quantity: 1 },
  ];
  assert.deepEqual(diffItemSets(ledger, ledger), []);
  assert.deepEqual(diffItemSets(ledger, [{ itemId: 1, quantity: 2 }]), ['item 5: expected 1, shard has 0']);
  assert.deepEqual(diffItemSets(ledger, [...ledger, { itemId: 9, quantity: 4 }]), [
    'item 9: not in the ledger, shard has 4',
  ]);
  assert.deepEqual(diffItemSets(ledger, [{ itemId: 1, quantity: 3 }, ledger[1]!]), [
    'item 1: expected 2, shard has 3',
  ]);
});

test('mapLimit visits every item with bounded concurrency', async () => {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    seen.push(n);
    running -= 1;
  });
  assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(peak, 3);
});
