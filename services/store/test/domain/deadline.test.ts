import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineExceeded, withDeadline } from '../../src/domain/deadline.js';
import { deferred, flush, manualClock } from '../support/manual-clock.js';

describe('withDeadline', () => {
  it('passes through an answer in time and cancels its timer', async () => {
    const clock = manualClock();
    const work = deferred<number>();
    const result = withDeadline(work.promise, 100, clock.schedule);
    await clock.advance(99);
    work.resolve(7);
    assert.equal(await result, 7);
    assert.equal(clock.pending(), 0);
  });

  it('rejects with DeadlineExceeded when the work is too slow', async () => {
    const clock = manualClock();
    const work = deferred<number>();
    const result = withDeadline(work.promise, 100, clock.schedule);
    const caught = result.catch((error: unknown) => error);
    await clock.advance(100);
    const error = await caught;
    assert.ok(error instanceof DeadlineExceeded);
    work.resolve(1); // a late answer changes nothing
    await flush();
  });

  it('passes through failures', async () => {
    const clock = manualClock();
    await assert.rejects(withDeadline(Promise.reject(new Error('boom')), 100, clock.schedule), /boom/);
  });
});
