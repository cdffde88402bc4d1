import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatVisibility, VisibilityTracker, type Visibility } from '../src/visibility.js';

test('a probe is seen by the first read whose count reaches it, measured from its 201', () => {
  const tracker = new VisibilityTracker(7); // the store already held 7 from earlier probes
  tracker.acknowledged(100);
  tracker.acknowledged(350);
  tracker.observed(7, 360); // nothing new yet
  assert.deepEqual(tracker.samples(), []);
  assert.equal(tracker.pending, 2);
  tracker.observed(8, 420); // the first probe only
  assert.deepEqual(tracker.samples(), [320]);
  tracker.acknowledged(600);
  tracker.observed(10, 700); // the second and third in one read
  assert.deepEqual(tracker.samples(), [320, 350, 100]);
  assert.equal(tracker.pending, 0);
  assert.equal(tracker.acknowledgedCount, 3);
});

test('a stale read (a count below what was seen) takes nothing back', () => {
  const tracker = new VisibilityTracker(0);
  tracker.acknowledged(0);
  tracker.acknowledged(10);
  tracker.observed(2, 50);
  tracker.observed(1, 60);
  assert.deepEqual(tracker.samples(), [50, 40]);
});

test('a count above the acknowledged probes (a probe written but not acknowledged) ends at the pending ones', () => {
  const tracker = new VisibilityTracker(0);
  tracker.acknowledged(0);
  tracker.observed(5, 30);
  assert.deepEqual(tracker.samples(), [30]);
  assert.equal(tracker.pending, 0);
});

test('the visibility line names the quantiles and what was not seen', () => {
  const v: Visibility = {
    acknowledged: 1200,
    seen: 1198,
    failed: 0,
    p50Ms: 180.2,
    p95Ms: 420,
    p99Ms: 610.5,
    maxMs: 900,
    intervalMs: 250,
    pollMs: 20,
    storeId: 5000,
  };
  assert.equal(
    formatVisibility(v),
    'p50 180.2 ms, p95 420 ms, p99 610.5 ms, max 900 ms (1,198 probe purchases, 201 to Store API; 2 not seen)',
  );
  assert.match(
    formatVisibility({ ...v, seen: 0, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null }),
    /no probe purchase seen \(1200 acknowledged\)/,
  );
});
