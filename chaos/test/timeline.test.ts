import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, counterRates, Timeline } from '../src/timeline.js';

test('attempts land in the second they ended, classified; totals keep the forbidden answers apart', () => {
  const t = new Timeline(10_000);
  t.add({ endMs: 10_100, status: 201, attempt: 1 });
  t.add({ endMs: 10_900, status: 503, retryAfterMs: 1000, attempt: 1 });
  t.add({ endMs: 11_200, status: 201, attempt: 2 });
  t.add({ endMs: 12_500, status: 0, attempt: 1 });
  t.add({ endMs: 12_600, status: 500, attempt: 1 });
  t.add({ endMs: 12_700, status: 503, attempt: 1 });
  t.add({ endMs: 12_800, status: 400, attempt: 1 });
  const seconds = t.seconds();
  assert.deepEqual(
    seconds.map((s) => [s.attempts, s.acknowledged, s.unavailable, s.network, s.other]),
    [
      [2, 1, 1, 0, 0],
      [1, 1, 0, 0, 0],
      [4, 0, 0, 1, 3],
    ],
  );
  assert.deepEqual(t.acknowledgedPerSecond(), [1, 1, 0]);
  assert.deepEqual(t.totals, {
    attempts: 7,
    acknowledged: 2,
    acknowledgedFirstTry: 1,
    unavailable: 1,
    network: 1,
    serverErrors: 1,
    unavailableWithoutRetryAfter: 1,
    clientErrors: 1,
  });
});

test('classify: only a 503 with Retry-After is an allowed unavailability', () => {
  assert.equal(classify({ status: 503, retryAfterMs: 0 }), 'unavailable');
  assert.equal(classify({ status: 503 }), 'other');
  assert.equal(classify({ status: 502, retryAfterMs: 1000 }), 'other');
});

test('counter rates survive a restart of the process that counts', () => {
  const rates = counterRates([
    { tMs: 0, value: 100 },
    { tMs: 1000, value: 300 },
    { tMs: 2000, value: 40 }, // restarted: 40 since
    { tMs: 4000, value: 240 },
  ]);
  assert.deepEqual(rates, [
    { t: 1, perSecond: 200 },
    { t: 2, perSecond: 40 },
    { t: 4, perSecond: 100 },
  ]);
});
