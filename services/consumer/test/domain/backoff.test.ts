import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelayMs } from '../../src/domain/backoff.js';

const policy = { initialMs: 100, maxMs: 5000 };

describe('backoffDelayMs', () => {
  it('doubles from the initial delay and stops at the maximum', () => {
    const top = () => 0.999999;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 50].map((attempt) => backoffDelayMs(attempt, policy, top)),
      [100, 200, 400, 800, 1600, 3200, 5000, 5000],
    );
  });

  it('jitters within the upper half of the ceiling (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt - 1, 30));
          const delay = backoffDelayMs(attempt, policy, () => r);
          assert.ok(delay >= ceiling / 2 - 1 && delay <= ceiling, `${delay} within ${ceiling}`);
        },
      ),
    );
  });
});
