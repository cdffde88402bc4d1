import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRetryScheduler } from '../../src/domain/partition-retry.js';

function fakeTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  return {
    pending,
    setTimer: (callback: () => void, ms: number) => {
      pending.set(++next, { callback, ms });
      return next;
    },
    clearTimer: (timer: unknown) => void pending.delete(timer as number),
    fire(timer: number) {
      const entry = pending.get(timer)!;
      pending.delete(timer);
      entry.callback();
    },
  };
}

describe('createRetryScheduler', () => {
  const setup = () => {
    const timers = fakeTimers();
    const pausedReports: number[] = [];
    const scheduler = createRetryScheduler({
      policy: { initialMs: 100, maxMs: 1000 },
      random: () => 0.999999,
      setTimer: timers.setTimer,
      clearTimer: timers.clearTimer,
      onPausedChange: (n) => pausedReports.push(n),
    });
    return { timers, pausedReports, scheduler };
  };

  it('backs off per partition, resumes after the delay, and starts over after a success', () => {
    const { timers, scheduler, pausedReports } = setup();
    const resumed: number[] = [];
    assert.equal(
      scheduler.schedule(3, () => resumed.push(3)),
      100,
    );
    assert.equal(
      scheduler.schedule(7, () => resumed.push(7)),
      100,
    );
    assert.equal(scheduler.paused(), 2);
    timers.fire(1);
    assert.deepEqual(resumed, [3]);
    assert.equal(
      scheduler.schedule(3, () => resumed.push(3)),
      200,
    );
    assert.equal(
      scheduler.schedule(3, () => resumed.push(3)),
      400,
    );
    assert.equal(scheduler.attempt(3), 3);
    scheduler.succeeded(3);
    assert.equal(
      scheduler.schedule(3, () => resumed.push(3)),
      100,
    );
    assert.deepEqual(pausedReports.slice(0, 3), [1, 2, 1]);
  });

  it('keeps one timer per partition and cancels all on shutdown', () => {
    const { timers, scheduler } = setup();
    scheduler.schedule(1, () => assert.fail('replaced timer fired'));
    scheduler.schedule(1, () => undefined);
    assert.equal(timers.pending.size, 1);
    scheduler.cancelAll();
    assert.equal(timers.pending.size, 0);
    assert.equal(scheduler.paused(), 0);
  });

  it('forgets the attempts of partitions no longer assigned', () => {
    const { scheduler } = setup();
    scheduler.schedule(1, () => undefined);
    scheduler.schedule(2, () => undefined);
    scheduler.retain(new Set([2]));
    assert.equal(scheduler.attempt(1), 0);
    assert.equal(scheduler.attempt(2), 1);
  });
});
