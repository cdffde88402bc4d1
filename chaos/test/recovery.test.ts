import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, recoveryTime } from '../src/recovery.js';

const options = { baselineS: 5, windowS: 3, fraction: 0.8 };

test('recovery is counted from the fault end until a 3-s window is back at 80 % of the level before', () => {
  //                 0    1    2    3    4    5  6  7   8   9    10   11   12 (partial)
  const perSecond = [100, 100, 100, 100, 100, 0, 0, 40, 90, 100, 100, 100, 10];
  const r = recoveryTime(perSecond, 5, 5, options);
  assert.equal(r.baselinePerSecond, 100);
  assert.equal(r.minPerSecond, 0);
  // Windows starting at 5, 6, 7 average below 80 (7: 76.7); at 8: (90+100+100)/3 ≥ 80.
  assert.equal(r.recoveryS, 3);
});

test('a held fault is measured from its end; no dip means 0 s', () => {
  const flat = [50, 50, 50, 50, 50, 50, 50, 50, 50, 50];
  assert.equal(recoveryTime(flat, 3, 6, options).recoveryS, 0);
  const held = [50, 50, 50, 50, 0, 0, 0, 0, 50, 50, 50, 50, 1];
  assert.equal(recoveryTime(held, 4, 6, options).recoveryS, 2);
});

test('no recovery before the run ends is null, and the partial last second never counts', () => {
  const r = recoveryTime([100, 100, 100, 0, 0, 0, 100], 3, 3, { ...options, baselineS: 3 });
  assert.equal(r.recoveryS, null);
  assert.equal(r.minPerSecond, 0);
});

test('median', () => {
  assert.equal(median([]), 0);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('degraded seconds count the dip from the fault start, even when the system routes around it', () => {
  // A node cut at second 4 for 6 s: throughput stalls 3 s, then recovers while the node is still cut.
  const cut = [100, 100, 100, 100, 0, 0, 10, 100, 100, 100, 100, 100, 100, 100, 100, 1];
  const r = recoveryTime(cut, 4, 10, options);
  assert.equal(r.recoveryS, 0, 'back before the fault ended');
  assert.equal(r.degradedS, 3);
  assert.equal(recoveryTime([50, 50, 50, 50, 50, 50, 50, 50, 1], 3, 5, options).degradedS, 0);
});
