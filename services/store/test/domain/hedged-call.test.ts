import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hedgedCall, type HedgedOutcome } from '../../src/domain/hedged-call.js';
import { deferred, flush, manualClock } from '../support/manual-clock.js';

function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
}

describe('hedgedCall', () => {
  it('without a replica is just the primary', async () => {
    const clock = manualClock();
    const outcome = await hedgedCall(async () => 1, undefined, 10, clock.schedule);
    assert.deepEqual(outcome, { value: 1, winner: 'primary', hedged: false });
  });

  it('does not ask the replica when the primary answers before the delay', async () => {
    const clock = manualClock();
    let replicaCalls = 0;
    const primary = deferred<string>();
    const result = track(
      hedgedCall(
        () => primary.promise,
        async () => {
          replicaCalls++;
          return 'replica';
        },
        10,
        clock.schedule,
      ),
    );
    await clock.advance(9);
    primary.resolve('primary');
    await flush();
    await clock.advance(100);
    assert.deepEqual(result.value, { value: 'primary', winner: 'primary', hedged: false });
    assert.equal(replicaCalls, 0);
    assert.equal(clock.pending(), 0);
  });

  it('asks the replica after the delay and takes the first answer', async () => {
    const clock = manualClock();
    const primary = deferred<string>();
    const replica = deferred<string>();
    const hedges: number[] = [];
    const result = track(
      hedgedCall(
        () => primary.promise,
        () => replica.promise,
        10,
        clock.schedule,
        { onHedge: () => hedges.push(clock.now()) },
      ),
    );
    await clock.advance(10);
    assert.deepEqual(hedges, [10]);
    replica.resolve('replica');
    await flush();
    assert.deepEqual(result.value, {
      value: 'replica',
      winner: 'replica',
      hedged: true,
    } satisfies HedgedOutcome<string>);
    primary.resolve('late primary'); // the loser is ignored
    await flush();
    assert.equal(result.value?.winner, 'replica');
  });

  it('still takes the primary when it beats a hedge already sent', async () => {
    const clock = manualClock();
    const primary = deferred<string>();
    const replica = deferred<string>();
    const result = track(
      hedgedCall(
        () => primary.promise,
        () => replica.promise,
        10,
        clock.schedule,
      ),
    );
    await clock.advance(15);
    primary.resolve('primary');
    await flush();
    assert.deepEqual(result.value, { value: 'primary', winner: 'primary', hedged: true });
  });

  it('fails over to the replica at once when the primary fails before the delay', async () => {
    const clock = manualClock();
    const primary = deferred<string>();
    let askedAt: number | undefined;
    const result = track(
      hedgedCall(
        () => primary.promise,
        async () => {
          askedAt = clock.now();
          return 'replica';
        },
        50,
        clock.schedule,
      ),
    );
    await clock.advance(1);
    primary.reject(new Error('connection refused'));
    await flush();
    assert.equal(askedAt, 1);
    assert.deepEqual(result.value, { value: 'replica', winner: 'replica', hedged: true });
  });

  it('waits for the primary when only the replica fails', async () => {
    const clock = manualClock();
    const primary = deferred<string>();
    const result = track(
      hedgedCall(
        () => primary.promise,
        async () => {
          throw new Error('replica down');
        },
        5,
        clock.schedule,
      ),
    );
    await clock.advance(20);
    assert.equal(result.done, false);
    primary.resolve('primary');
    await flush();
    assert.deepEqual(result.value, { value: 'primary', winner: 'primary', hedged: true });
  });

  it('rejects with the primary error only when both fail', async () => {
    const clock = manualClock();
    const primary = deferred<string>();
    const replica = deferred<string>();
    const result = track(
      hedgedCall(
        () => primary.promise,
        () => replica.promise,
        5,
        clock.schedule,
      ),
    );
    await clock.advance(5);
    primary.reject(new Error('primary down'));
    await flush();
    assert.equal(result.done, false);
    replica.reject(new Error('replica down'));
    await flush();
    assert.equal((result.error as Error).message, 'primary down');
  });
  it('keeps to the primary when the budget refuses the hedge', async () => {
    const clock = manualClock();
    const primary = deferred<string>();
    let replicaCalls = 0;
    const result = track(
      hedgedCall(
        () => primary.promise,
        async () => {
          replicaCalls++;
          return 'replica';
        },
        5,
        clock.schedule,
        { mayHedge: () => false },
      ),
    );
    await clock.advance(50);
    assert.equal(replicaCalls, 0);
    primary.resolve('primary');
    await flush();
    assert.deepEqual(result.value, { value: 'primary', winner: 'primary', hedged: false });
  });

  it('fails with the primary when the budget refuses the failover', async () => {
    const clock = manualClock();
    const result = track(
      hedgedCall(
        async () => {
          throw new Error('primary down');
        },
        async () => 'replica',
        5,
        clock.schedule,
        { mayHedge: () => false },
      ),
    );
    await flush();
    assert.equal((result.error as Error).message, 'primary down');
  });
});
