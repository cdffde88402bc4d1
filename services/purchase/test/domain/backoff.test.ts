import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/domain/backoff.js';

test('sleep resolves after its delay', async () => {
  const started = performance.now();
  await new Backoff().sleep(30);
  assert.ok(performance.now() - started >= 25);
});

test('wake ends a long sleep at once; a wake with nobody asleep is harmless', async () => {
  const backoff = new Backoff();
  backoff.wake();
  const started = performance.now();
  const sleeping = backoff.sleep(60_000);
  setTimeout(() => backoff.wake(), 10);
  await sleeping;
  assert.ok(performance.now() - started < 5_000);
});
