import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LatencyLog, LiveHistogram, percentile, summarize } from '../src/stats.js';

test('summarize: mean, nearest-rank median/p95/p99, min, max', () => {
  const samples = Array.from({ length: 100 }, (_, i) => i + 1); // 1 … 100
  const s = summarize(samples.reverse());
  assert.equal(s.count, 100);
  assert.equal(s.meanMs, 50.5);
  assert.equal(s.medianMs, 50);
  assert.equal(s.p95Ms, 95);
  assert.equal(s.p99Ms, 99);
  assert.equal(s.minMs, 1);
  assert.equal(s.maxMs, 100);
  assert.deepEqual(summarize([]), {
    count: 0,
    meanMs: 0,
    medianMs: 0,
    p95Ms: 0,
    p99Ms: 0,
    minMs: 0,
    maxMs: 0,
  });
});

test('percentile is a sample, between min and max, monotonic in p', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1 }), (values) => {
      const sorted = Float64Array.from(values).sort();
      let previous = -Infinity;
      for (const p of [1, 50, 95, 99, 100]) {
        const v = percentile(sorted, p);
        assert.ok(values.includes(v));
        assert.ok(v >= previous);
        previous = v;
      }
      assert.equal(percentile(sorted, 100), sorted[sorted.length - 1]);
    }),
  );
});

test('LatencyLog grows past its initial size and keeps every sample in order', () => {
  const log = new LatencyLog(16);
  for (let i = 0; i < 1000; i++) log.push(i / 10);
  assert.equal(log.length, 1000);
  assert.equal(log.values()[999], 99.9);
  assert.equal(log.values()[17], 1.7);
});

test('LiveHistogram quantiles are within one 2 % bucket of the exact value', () => {
  const h = new LiveHistogram();
  const values = Array.from({ length: 10_000 }, (_, i) => 0.5 + (i % 1000) * 0.37);
  for (const v of values) h.record(v);
  const exact = percentile(Float64Array.from(values).sort(), 99);
  const approx = h.quantile(0.99);
  assert.ok(approx >= exact && approx <= exact * 1.021, `${approx} vs ${exact}`);
  assert.equal(new LiveHistogram().quantile(0.99), 0);
});
