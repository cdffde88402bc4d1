import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatProgress } from '../src/progress.js';

test('a progress line names the phase, counts, rate, errors and p99', () => {
  const line = formatProgress(
    {
      phase: 'central',
      purchasesDone: 12_345,
      purchasesTotal: 691_200,
      attempts: 12_400,
      failedAttempts: 3,
      failedPurchases: 0,
      p99Ms: 12.345,
      elapsedMs: 75_000,
    },
    1234.4,
  );
  assert.match(line, /\[central\]/);
  assert.match(line, /12,345\/691,200/);
  assert.match(line, /\(1\.8%\)/);
  assert.match(line, /1,234 req\/s/);
  assert.match(line, /errors 3 /);
  assert.match(line, /p99 12\.3 ms/);
  assert.match(line, /01:15/);
  assert.equal(formatDuration(3_599_000), '59:59');
});
