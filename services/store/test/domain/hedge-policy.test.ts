import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hedgeDelayMs } from '../../src/domain/hedge-policy.js';
import { LatencyWindow } from '../../src/domain/latency-window.js';
import { manualClock } from '../support/manual-clock.js';

const policy = { percentile: 95, minSamples: 20, minDelayMs: 2, maxDelayMs: 50 };

describe('hedgeDelayMs', () => {
  it('waits the maximum while the window has too few samples', () => {
    const clock = manualClock();
    const window = new LatencyWindow({ maxSamples: 1000, windowMs: 10_000 }, clock.now);
    for (let i = 0; i < 19; i++) window.record(3);
    assert.equal(hedgeDelayMs(window, policy), 50);
    window.record(3);
    assert.equal(hedgeDelayMs(window, policy), 3);
  });

  it('follows the recent p95 of the primary', () => {
    const clock = manualClock();
    const window = new LatencyWindow({ maxSamples: 1000, windowMs: 10_000 }, clock.now);
    for (let i = 0; i < 95; i++) window.record(4);
    for (let i = 0; i < 5; i++) window.record(40);
    assert.equal(hedgeDelayMs(window, policy), 4);
    for (let i = 0; i < 10; i++) window.record(40);
    assert.equal(hedgeDelayMs(window, policy), 40);
  });

  it('clamps to [minDelayMs, maxDelayMs]', () => {
    const clock = manualClock();
    const fast = new LatencyWindow({ maxSamples: 1000, windowMs: 10_000 }, clock.now);
    const slow = new LatencyWindow({ maxSamples: 1000, windowMs: 10_000 }, clock.now);
    for (let i = 0; i < 50; i++) {
      fast.record(0.2);
      slow.record(900);
    }
    assert.equal(hedgeDelayMs(fast, policy), 2);
    assert.equal(hedgeDelayMs(slow, policy), 50);
  });

  it('returns to the maximum when the samples age out of the window', async () => {
    const clock = manualClock();
    const window = new LatencyWindow({ maxSamples: 1000, windowMs: 1000 }, clock.now);
    for (let i = 0; i < 30; i++) window.record(3);
    assert.equal(hedgeDelayMs(window, policy), 3);
    await clock.advance(1001);
    assert.equal(hedgeDelayMs(window, policy), 50);
  });
});
