import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ledger, diffItemLists, topN } from '../src/ledger.js';

for (const maxItemId of [100, 5_000_000]) {
  test(`ledger sums quantities per store and item (${maxItemId > 2_000_000 ? 'sparse' : 'dense'} counters)`, () => {
    const ledger = new Ledger(maxItemId);
    ledger.add(7, [
      { itemId: 3, quantity: 2 },
      { itemId: 3, quantity: 1 },
      { itemId: 50, quantity: 4 },
    ]);
    ledger.add(7, [{ itemId: 1, quantity: 1 }]);
    ledger.add(2, [{ itemId: 50, quantity: 9 }]);
    assert.deepEqual(ledger.stores(), [2, 7]);
    assert.equal(ledger.purchases(7), 2);
    assert.equal(ledger.totalPurchases(), 3);
    assert.equal(ledger.total(7), 8);
    assert.equal(ledger.quantity(7, 3), 3);
    assert.equal(ledger.quantity(7, 4), 0);
    assert.equal(ledger.quantity(99, 3), 0);
    assert.deepEqual(ledger.items(7), [
      { itemId: 1, quantity: 1 },
      { itemId: 3, quantity: 3 },
      { itemId: 50, quantity: 4 },
    ]);
  });
}

for (const maxItemId of [100, 5_000_000]) {
  test(`store 0 and item 0 are counted like any other (${maxItemId > 2_000_000 ? 'sparse' : 'dense'} counters)`, () => {
    const ledger = new Ledger(maxItemId);
    ledger.add(0, [
      { itemId: 0, quantity: 2 },
      { itemId: 5, quantity: 1 },
    ]);
    ledger.add(0, [{ itemId: 0, quantity: 1 }]);
    assert.deepEqual(ledger.stores(), [0]);
    assert.equal(ledger.purchases(0), 2);
    assert.equal(ledger.total(0), 4);
    assert.equal(ledger.quantity(0, 0), 3);
    assert.deepEqual(ledger.items(0), [
      { itemId: 0, quantity: 3 },
      { itemId: 5, quantity: 1 },
    ]);
    assert.deepEqual(ledger.topItems(0, 1), [{ itemId: 0, quantity: 3 }]);
  });
}

test('top items: quantity descending, ties by item id ascending, at most n', () => {
  const ledger = new Ledger(1000);
  for (let item = 1; item <= 15; item++)
    ledger.add(1, [{ itemId: 100 - item, quantity: item % 3 === 0 ? 5 : 1 }]);
  const top = ledger.topItems(1, 10);
  assert.equal(top.length, 10);
  assert.deepEqual(
    top.slice(0, 5).map((i) => i.itemId),
    [85, 88, 91, 94, 97],
  );
  assert.deepEqual(
    top.slice(5).map((i) => i.itemId),
    [86, 87, 89, 90, 92],
  );
  assert.deepEqual(topN([{ itemId: 2, quantity: 1 }], 10), [{ itemId: 2, quantity: 1 }]);
});

test('diffItemLists reports order and value differences, and nothing for equal lists', () => {
  const a = [
    { itemId: 1, quantity: 5 },
    { itemId: 2, quantity: 5 },
  ];
  assert.deepEqual(diffItemLists(a, a), []);
  assert.equal(diffItemLists(a, [a[1]!, a[0]!]).length, 2);
  assert.deepEqual(diffItemLists(a, a.slice(0, 1)), ['#2: expected 2×5, got nothing']);
});
