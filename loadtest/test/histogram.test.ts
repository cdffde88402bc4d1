import assert from 'node:assert/strict';
import { test } from 'node:test';
import { observedBetween, parseHistogram } from '../src/histogram.js';

const exposition = (counts: readonly number[], labels = 'route="/a"') =>
  ['0.001', '0.005', '0.01', '+Inf']
    .map((le, i) => `h_seconds_bucket{${labels},le="${le}"} ${counts[i]}`)
    .join('\n');

test('parses one histogram, summed over the series whose labels match', () => {
  const text = `${exposition([1, 2, 3, 4])}\n${exposition([10, 20, 30, 40], 'route="/b"')}\nh_seconds_count 44`;
  assert.deepEqual(
    [...parseHistogram(text, 'h_seconds')],
    [
      [0.001, 11],
      [0.005, 22],
      [0.01, 33],
      [Infinity, 44],
    ],
  );
  assert.equal(parseHistogram(text, 'h_seconds', 'route="/b"').get(0.005), 20);
  assert.equal(parseHistogram(text, 'other').size, 0);
});

test('quantiles are the upper bounds of the buckets holding them, over the difference only', () => {
  const before = parseHistogram(exposition([100, 100, 100, 100]), 'h_seconds');
  const after = parseHistogram(exposition([190, 199, 200, 200]), 'h_seconds');
  // 100 new observations: 90 ≤ 1 ms, 9 ≤ 5 ms, 1 ≤ 10 ms.
  assert.deepEqual(observedBetween(before, after, [0.5, 0.9, 0.99, 1]), {
    count: 100,
    quantiles: [0.001, 0.001, 0.005, 0.01],
  });
});

test('observations past the largest bound: no quantile there, and the bound is named', () => {
  const after = parseHistogram(exposition([0, 0, 90, 100]), 'h_seconds');
  assert.deepEqual(observedBetween(new Map(), after, [0.5, 0.99]), {
    count: 100,
    quantiles: [0.01, null],
    overLargestBound: 0.01,
  });
});

test('a counter reset (a restart between the readings) counts the second reading alone', () => {
  const before = parseHistogram(exposition([500, 500, 500, 500]), 'h_seconds');
  const after = parseHistogram(exposition([5, 10, 10, 10]), 'h_seconds');
  assert.equal(observedBetween(before, after, [0.5]).count, 10);
  assert.deepEqual(observedBetween(before, after, []).quantiles, []);
  assert.equal(observedBetween(new Map(), new Map(), [0.5]).quantiles[0], null);
});
