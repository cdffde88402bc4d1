import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFreshness, freshnessBetween, parseFreshnessHistogram } from '../src/freshness.js';

const exposition = (counts: readonly number[]) =>
  [
    '# HELP consumer_freshness_seconds Commit time minus receivedAt',
    '# TYPE consumer_freshness_seconds histogram',
    ...['0.05', '0.1', '0.25', '1', '+Inf'].map(
      (le, i) => `consumer_freshness_seconds_bucket{le="${le}",service="consumer"} ${counts[i]}`,
    ),
    `consumer_freshness_seconds_sum{service="consumer"} 12.5`,
    `consumer_freshness_seconds_count{service="consumer"} ${counts.at(-1)}`,
    'consumer_lag{partition="0"} 3',
  ].join('\n');

test('the histogram is read from the exposition, bounds as numbers, +Inf as Infinity', () => {
  const histogram = parseFreshnessHistogram(exposition([1, 2, 3, 4, 5]));
  assert.deepEqual(
    [...histogram],
    [
      [0.05, 1],
      [0.1, 2],
      [0.25, 3],
      [1, 4],
      [Infinity, 5],
    ],
  );
  assert.equal(parseFreshnessHistogram('consumer_lag 1').size, 0);
});

test("a run's freshness is the difference of two readings: quantiles are the upper bounds of their buckets", () => {
  const before = parseFreshnessHistogram(exposition([100, 100, 100, 100, 100]));
  // The run: 900 within 0.05 s, 80 more within 0.1 s, 19 within 0.25 s, 1 within 1 s.
  const after = parseFreshnessHistogram(exposition([1000, 1080, 1099, 1100, 1100]));
  assert.deepEqual(freshnessBetween(before, after), { count: 1000, p50S: 0.05, p95S: 0.1, p99S: 0.25 });
  assert.match(
    formatFreshness(freshnessBetween(before, after)),
    /^p50 ≤ 0\.05 s, p95 ≤ 0\.1 s, p99 ≤ 0\.25 s \(1,000 purchases/,
  );
});

test('purchases beyond the largest bound make the quantile unknown, not the bound', () => {
  const after = parseFreshnessHistogram(exposition([90, 90, 90, 97, 100]));
  const freshness = freshnessBetween(new Map(), after);
  assert.equal(freshness.p50S, 0.05);
  assert.equal(freshness.p95S, 1);
  assert.equal(freshness.p99S, null);
  assert.equal(freshness.overLargestBoundS, 1);
  assert.match(formatFreshness(freshness), /p99 > 1 s/);
});

test('a consumer restart between the readings (counters went down) counts the second reading alone', () => {
  const before = parseFreshnessHistogram(exposition([500, 500, 500, 500, 500]));
  const after = parseFreshnessHistogram(exposition([10, 20, 20, 20, 20]));
  assert.deepEqual(freshnessBetween(before, after), { count: 20, p50S: 0.05, p95S: 0.1, p99S: 0.1 });
  assert.deepEqual(freshnessBetween(new Map(), new Map()), { count: 0, p50S: null, p95S: null, p99S: null });
});
