import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY_POLICY, isRetriable, nextRetryDelay, retryAfterMs } from '../src/retry-policy.js';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

test('network errors and 5xx are retried; 4xx and success are not', () => {
  assert.ok(isRetriable(0));
  assert.ok(isRetriable(500));
  assert.ok(isRetriable(503));
  assert.ok(!isRetriable(400));
  assert.ok(!isRetriable(429 - 1));
  assert.equal(nextRetryDelay(policy, 1, 400, undefined, 0.5), undefined);
  assert.equal(nextRetryDelay(policy, 1, 201, undefined, 0.5), undefined);
});

test('backoff doubles up to the cap, with full jitter', () => {
  assert.equal(nextRetryDelay(policy, 1, 503, undefined, 0.999), 99);
  assert.equal(nextRetryDelay(policy, 2, 503, undefined, 0.999), 199);
  assert.equal(nextRetryDelay(policy, 3, 0, undefined, 0.999), 399);
  assert.equal(nextRetryDelay(policy, 1, 503, undefined, 0), 0);
  const capped = { ...policy, maxAttempts: 20 };
  assert.equal(nextRetryDelay(capped, 15, 503, undefined, 0.999), 999);
});

test('the attempt budget is bounded', () => {
  assert.notEqual(nextRetryDelay(policy, 3, 503, undefined, 0.5), undefined);
  assert.equal(nextRetryDelay(policy, 4, 503, undefined, 0.5), undefined);
  assert.ok(DEFAULT_RETRY_POLICY.maxAttempts > 1);
});

test('Retry-After is a floor on the delay, still capped', () => {
  assert.equal(retryAfterMs('1'), 1000);
  assert.equal(retryAfterMs(['2']), 2000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT'), undefined);
  assert.equal(retryAfterMs(undefined), undefined);
  assert.equal(nextRetryDelay(policy, 1, 503, 500, 0), 500);
  assert.equal(nextRetryDelay(policy, 1, 503, 5000, 0), 1000);
});
