import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mergeTopStores, toCount, type StoreCount } from '../../src/domain/top-lists.js';

/** The ground truth, written differently: rank every (store, count) by a composite key. */
function bruteForceTop(rows: readonly StoreCount[], limit = 10): StoreCount[] {
  const key = (r: StoreCount) =>
    `${String(1e12 - r.numberOfItems).padStart(13, '0')}:${String(r.storeID).padStart(10, '0')}`;
  return rows
    .map((r) => ({ storeID: r.storeID, numberOfItems: r.numberOfItems }))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .slice(0, limit);
}

/** Splits stores over shards the way per-shard queries see them: each shard returns its own top 10. */
function shardTop10s(rows: readonly StoreCount[], shardOf: (storeId: number) => number, shards: number) {
  return Array.from({ length: shards }, (_, s) =>
    bruteForceTop(rows.filter((r) => shardOf(r.storeID) === s)),
  );
}

describe('mergeTopStores', () => {
  it('orders by numberOfItems descending and breaks ties by storeID ascending', () => {
    const merged = mergeTopStores([
      [
        { storeID: 9, numberOfItems: 5 },
        { storeID: 3, numberOfItems: 5 },
      ],
      [
        { storeID: 4, numberOfItems: 7 },
        { storeID: 1, numberOfItems: 5 },
      ],
    ]);
    assert.deepEqual(merged, [
      { storeID: 4, numberOfItems: 7 },
      { storeID: 1, numberOfItems: 5 },
      { storeID: 3, numberOfItems: 5 },
      { storeID: 9, numberOfItems: 5 },
    ]);
  });

  it('returns fewer than 10 rows when the shards have fewer, and nothing for nothing', () => {
    assert.deepEqual(mergeTopStores([[], [{ storeID: 2, numberOfItems: 1 }], []]), [
      { storeID: 2, numberOfItems: 1 },
    ]);
    assert.deepEqual(mergeTopStores([[], []]), []);
  });

  it('cuts at 10 with a tie straddling the cut, keeping the lowest ids', () => {
    const tied = Array.from({ length: 15 }, (_, i) => ({ storeID: 100 - i, numberOfItems: 3 }));
    const merged = mergeTopStores([tied.slice(0, 8), tied.slice(8)]);
    assert.equal(merged.length, 10);
    assert.deepEqual(
      merged.map((r) => r.storeID),
      [86, 87, 88, 89, 90, 91, 92, 93, 94, 95],
    );
  });

  it('equals the global top 10 for any distribution of stores over shards', () => {
    const row = fc.record({
      storeID: fc.integer({ min: 1, max: 60 }),
      numberOfItems: fc.integer({ min: 1, max: 6 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(row, { selector: (r) => r.storeID, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        (rows, shards) => {
          const shardOf = (storeId: number) => (storeId * 7) % shards;
          assert.deepEqual(mergeTopStores(shardTop10s(rows, shardOf, shards)), bruteForceTop(rows));
        },
      ),
    );
  });
});

describe('toCount', () => {
  it('turns pg bigint strings into numbers', () => {
    assert.equal(toCount('17'), 17);
    assert.equal(toCount('9007199254740991'), Number.MAX_SAFE_INTEGER);
    assert.equal(toCount(5n), 5);
  });

  it('refuses totals a double cannot hold exactly, and garbage', () => {
    assert.throws(() => toCount('9007199254740993'), RangeError);
    assert.throws(() => toCount('abc'), RangeError);
    assert.throws(() => toCount('-1'), RangeError);
  });
});
