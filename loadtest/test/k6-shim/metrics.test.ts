import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalHeaderName,
  MetricStore,
  parseDuration,
  parseThreshold,
  percentile,
  summarize,
} from '../../src/k6-shim/metrics.js';

test('percentiles interpolate between the closest ranks', () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([10, 20], 99), 19.9);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([], 95), 0);
});

test('counters sum, rates count non-zero samples, trends and gauges aggregate like k6', () => {
  const store = new MetricStore({ c: 'counter', r: 'rate', t: 'trend', g: 'gauge', unused: 'counter' });
  for (const v of [1, 2, 3]) store.add('c', v);
  for (const v of [1, 0, 0, 1]) store.add('r', v);
  for (const v of [4, 1, 3, 2]) store.add('t', v);
  store.add('g', 5);
  store.add('g', 3);
  const out = store.aggregates(2000, ['p(90)']);
  assert.deepEqual(out.c, { count: 6, rate: 3 });
  assert.deepEqual(out.r, { passes: 2, fails: 2, value: 0.5 });
  assert.deepEqual(out.t, { avg: 2.5, min: 1, med: 2.5, max: 4, 'p(90)': 3.7 });
  assert.deepEqual(out.g, { value: 3, min: 3, max: 5 });
  assert.equal(out.unused, undefined, 'metrics without samples stay out of the summary');
  assert.throws(() => store.add('nope', 1), /undeclared/);
  assert.throws(() => store.define('c', 'trend'), /already a counter/);
});

test('threshold expressions parse and report crossed when they do not hold', () => {
  assert.deepEqual(parseThreshold('p(99)<1000'), {
    source: 'p(99)<1000',
    aggregation: 'p(99)',
    operator: '<',
    value: 1000,
  });
  assert.throws(() => parseThreshold('p99 < 1000'), /not an expression/);

  const store = new MetricStore({ failed: 'rate', latency: 'trend', errors: 'counter' });
  store.add('failed', 0);
  store.add('failed', 1);
  for (const v of [10, 20, 30, 40]) store.add('latency', v);
  const { summary, crossed } = summarize(
    store,
    { failed: ['rate<0.1'], latency: ['p(99)<100', 'avg>=30'], errors: ['count<1'] },
    1000,
    ['avg', 'max'],
  );
  assert.deepEqual(crossed, ['failed: rate<0.1', 'latency: avg>=30']);
  assert.deepEqual(summary.metrics.latency?.thresholds, { 'p(99)<100': false, 'avg>=30': true });
  assert.equal(summary.metrics.latency?.['p(99)'], undefined, 'a threshold percentile is not a summary stat');
  assert.deepEqual(summary.metrics.errors, { thresholds: { 'count<1': false } }, 'no samples: not crossed');
  assert.throws(() => summarize(store, { 'latency{phase:east}': ['avg<1'] }, 1), /sub-metric/);
  assert.throws(() => summarize(store, { missing: ['count<1'] }, 1), /unknown metric/);
});

test('k6 durations and canonical header names', () => {
  assert.equal(parseDuration('30s', 0), 30_000);
  assert.equal(parseDuration('1m30s', 0), 90_000);
  assert.equal(parseDuration('250ms', 0), 250);
  assert.equal(parseDuration('6h', 0), 21_600_000);
  assert.equal(parseDuration(1500, 0), 1500);
  assert.equal(parseDuration(undefined, 42), 42);
  assert.throws(() => parseDuration('soon', 0), /not a k6 duration/);
  assert.equal(canonicalHeaderName('retry-after'), 'Retry-After');
  assert.equal(canonicalHeaderName('CONTENT-TYPE'), 'Content-Type');
});
