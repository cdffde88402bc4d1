import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyWindow } from '../../src/domain/latency-window.js';
import { manualClock } from '../support/manual-clock.js';

describe('LatencyWindow', () => {
  it('gives nearest-rank percentiles', () => {
    const clock = manualClock();
    const window = new LatencyWindow({ maxSamples: 100, windowMs: 10_000 }, clock.now);
    assert.equal(window.percentile(95), undefined);
    for (let ms = 1; ms <= 100; ms++) window.record(ms);
    assert.equal(window.percentile(95), 95);
    assert.equal(window.percentile(50), 50);
    assert.equal(window.percentile(100), 100);
    assert.equal(window.percentile(1), 1);
  });

  it('keeps only the newest maxSamples', () => {
    const clock = manualClock();
    const window = new LatencyWindow({ maxSamples: 10, windowMs: 10_000 }, clock.now);
    for (let i = 0; i < 10; i++) window.record(1000);
    for (let i = 0; i < 10; i++) window.record(1);
    assert.equal(window.size(), 10);
    assert.equal(window.percentile(100), 1);
  });

  it('forgets samples older than the window', async () => {
    const clock = manualClock();
    const window = new LatencyWindow({ maxSamples: 100, windowMs: 1000 }, clock.now);
    window.record(500);
    await clock.advance(600);
    window.record(5);
    assert.equal(window.percentile(100), 500);
    await clock.advance(500);
    assert.equal(window.size(), 1);
    assert.equal(window.percentile(100), 5);
    await clock.advance(1000);
    assert.equal(window.percentile(95), undefined);
  });
});
