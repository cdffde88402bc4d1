import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HedgeBudget } from '../../src/domain/hedge-budget.js';

describe('HedgeBudget', () => {
  it('allows a burst, then one hedge per 1/ratio queries', () => {
    const budget = new HedgeBudget(0.1, 3);
    assert.deepEqual(
      [budget.trySpend(), budget.trySpend(), budget.trySpend(), budget.trySpend()],
      [true, true, true, false],
    );
    let allowed = 0;
    for (let query = 0; query < 100; query++) {
      budget.earn();
      if (budget.trySpend()) allowed++;
    }
    assert.ok(allowed >= 9 && allowed <= 10, `allowed ${allowed}`);
  });

  it('never saves more than the burst', () => {
    const budget = new HedgeBudget(0.5, 2);
    for (let i = 0; i < 100; i++) budget.earn();
    assert.deepEqual([budget.trySpend(), budget.trySpend(), budget.trySpend()], [true, true, false]);
  });

  it('with a ratio of 0 allows only the initial burst', () => {
    const budget = new HedgeBudget(0, 1);
    for (let i = 0; i < 100; i++) budget.earn();
    assert.equal(budget.trySpend(), true);
    budget.earn();
    assert.equal(budget.trySpend(), false);
  });
});
