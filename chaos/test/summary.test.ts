import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IdCheck } from '../src/purchase-ids.js';
import {
  evaluateInvariants,
  faultResults,
  lagRecovery,
  readStats,
  timelineCsv,
  worstRecovery,
} from '../src/summary.js';
import type { Totals } from '../src/timeline.js';

const cleanIds: IdCheck = {
  ok: true,
  acknowledged: 10,
  lost: 0,
  duplicated: 0,
  misplaced: 0,
  unacknowledged: 0,
  examples: [],
};
const cleanTotals: Totals = {
  attempts: 12,
  acknowledged: 10,
  acknowledgedFirstTry: 8,
  unavailable: 1,
  network: 1,
  serverErrors: 0,
  unavailableWithoutRetryAfter: 0,
  clientErrors: 0,
};
const fault = {
  kind: 'kill-consumer' as const,
  target: 'consumer',
  pid: 42,
  method: 'SIGKILL',
  startMs: 1000,
  endMs: 1000,
};
const inputs = {
  purchasesFailed: 0,
  totals: cleanTotals,
  storeReadsBad: 0,
  exactlyOnce: cleanIds,
  verifyOk: true,
  verifyDetail: 'ok',
  drained: true,
  lagZeroAfterLoadS: 2,
  faults: [fault],
  expectedFaults: 1,
};

test('a clean scenario passes every invariant', () => {
  const result = evaluateInvariants(inputs);
  assert.equal(result.length, 6);
  assert.ok(
    result.every((i) => i.ok),
    JSON.stringify(result),
  );
});

test('each violation fails exactly its invariant', () => {
  const failing = (overrides: Partial<typeof inputs>) =>
    evaluateInvariants({ ...inputs, ...overrides })
      .filter((i) => !i.ok)
      .map((i) => i.name);
  assert.deepEqual(failing({ exactlyOnce: { ...cleanIds, ok: false, lost: 1 } }), ['0 lost']);
  assert.deepEqual(failing({ exactlyOnce: { ...cleanIds, ok: false, duplicated: 1 } }), ['0 double-counted']);
  assert.deepEqual(failing({ verifyOk: false }), ['0 lost', '0 double-counted']);
  assert.deepEqual(failing({ purchasesFailed: 1 }), ['every purchase acknowledged (with retries)']);
  assert.deepEqual(failing({ totals: { ...cleanTotals, serverErrors: 1 } }), [
    'no 5xx but 503 with Retry-After',
  ]);
  assert.deepEqual(failing({ totals: { ...cleanTotals, unavailableWithoutRetryAfter: 1 } }), [
    'no 5xx but 503 with Retry-After',
  ]);
  assert.deepEqual(failing({ storeReadsBad: 2 }), ['no 5xx but 503 with Retry-After']);
  assert.deepEqual(failing({ lagZeroAfterLoadS: null }), ['consumer lag back to 0 after the load']);
  assert.deepEqual(failing({ faults: [{ ...fault, error: 'not running' }] }), ['faults injected']);
  assert.deepEqual(failing({ faults: [] }), ['faults injected']);
});

test('fault results carry the recovery of throughput and of lag', () => {
  const perSecond = [10, 10, 10, 10, 0, 0, 10, 10, 10, 10, 1];
  const consumer = Array.from({ length: 11 }, (_, s) => ({
    tMs: s * 1000,
    lag: s >= 4 && s < 8 ? 5000 : 50,
    rowsWritten: 0,
  }));
  const [r] = faultResults([{ ...fault, startMs: 14_000, endMs: 14_000 }], 10_000, perSecond, consumer);
  assert.equal(r!.atS, 4);
  assert.equal(r!.heldS, 0);
  assert.equal(r!.throughput.recoveryS, 2);
  assert.equal(r!.lagRecoveryS, 4);
  assert.equal(r!.throughput.degradedS, 2);
  assert.deepEqual(worstRecovery([r!]), { worstS: 2, unrecovered: 0, worstDegradedS: 2 });
  assert.deepEqual(worstRecovery([{ ...r!, throughput: { ...r!.throughput, recoveryS: null } }]), {
    worstS: null,
    unrecovered: 1,
    worstDegradedS: 2,
  });
  assert.equal(lagRecovery(consumer, 4, 4), 4);
});

test('store reads: 200 and 404 are answers, 503 needs Retry-After', () => {
  const stats = readStats([
    { tMs: 0, status: 200, retryAfter: false },
    { tMs: 0, status: 404, retryAfter: false },
    { tMs: 0, status: 503, retryAfter: true },
    { tMs: 0, status: 503, retryAfter: false },
    { tMs: 0, status: 0, retryAfter: false },
    { tMs: 0, status: 500, retryAfter: false },
  ]);
  assert.deepEqual(stats, { total: 6, ok: 2, unavailable: 1, network: 1, bad: 2 });
});

test('timeline.csv joins the per-second counts with the lag sampled in that second', () => {
  const csv = timelineCsv(
    [
      { t: 0, attempts: 3, acknowledged: 2, unavailable: 1, network: 0, other: 0 },
      { t: 1, attempts: 1, acknowledged: 1, unavailable: 0, network: 0, other: 0 },
    ],
    [{ tMs: 300, lag: 7, rowsWritten: 0 }],
  );
  assert.equal(
    csv,
    'second,attempts,acknowledged,unavailable503,networkErrors,otherErrors,consumerLag\n0,3,2,1,0,0,7\n1,1,1,0,0,0,\n',
  );
});
