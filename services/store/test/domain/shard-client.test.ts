import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ShardClient,
  ShardFailure,
  type ShardObserver,
  type ShardRepository,
} from '../../src/domain/shard-client.js';
import type { StoreCount } from '../../src/domain/top-lists.js';
import { flush, manualClock } from '../support/manual-clock.js';

type Clock = ReturnType<typeof manualClock>;

/** A repository that answers `rows` after `latency()` ms of the manual clock (or fails). */
function timedRepository(clock: Clock, latency: () => number, rows: StoreCount[], fail = false) {
  let calls = 0;
  const answer = <T>(value: T) =>
    new Promise<T>((resolve, reject) => {
      calls++;
      clock.schedule(latency(), () => (fail ? reject(new Error('down')) : resolve(value)));
    });
  const repository: ShardRepository = {
    topItems: () => answer([]),
    topStores: () => answer(rows),
    ping: () => answer(undefined),
  };
  return { repository, calls: () => calls };
}

function recordingObserver() {
  const events = { hedges: 0, wins: 0, timeouts: 0, up: [] as boolean[], durations: [] as string[] };
  const observer: ShardObserver = {
    queryDuration: (_shard, query, target, seconds) =>
      events.durations.push(`${query}/${target}/${seconds * 1000}`),
    hedgeSent: () => events.hedges++,
    hedgeWon: () => events.wins++,
    timedOut: () => events.timeouts++,
    shardUp: (_shard, up) => events.up.push(up),
  };
  return { observer, events };
}

function client(
  clock: Clock,
  primary: ShardRepository,
  replica: ShardRepository | undefined,
  observer: ShardObserver,
  budget = { budgetRatio: 1, budgetBurst: 1000 },
) {
  return new ShardClient(3, primary, replica, {
    timeoutMs: 1000,
    hedge: {
      percentile: 95,
      minSamples: 20,
      minDelayMs: 1,
      maxDelayMs: 50,
      ...budget,
    },
    window: { maxSamples: 100, windowMs: 60_000 },
    now: clock.now,
    schedule: clock.schedule,
    observer,
  });
}

async function run<T>(clock: Clock, promise: Promise<T>, ms: number) {
  const outcome: { value?: T; error?: unknown } = {};
  const done = promise.then(
    (value) => (outcome.value = value),
    (error: unknown) => (outcome.error = error),
  );
  await clock.advance(ms);
  await done;
  return outcome;
}

const ROWS = [{ storeID: 1, numberOfItems: 2 }];

describe('ShardClient', () => {
  it('hedges after the primary p95 and counts a replica win', async () => {
    const clock = manualClock();
    let slow = false;
    const primary = timedRepository(clock, () => (slow ? 300 : 4), ROWS);
    const replica = timedRepository(clock, () => 5, [{ storeID: 9, numberOfItems: 9 }]);
    const { observer, events } = recordingObserver();
    const shard = client(clock, primary.repository, replica.repository, observer);

    for (let i = 0; i < 30; i++) await run(clock, shard.topStores(1), 10);
    assert.equal(shard.window.percentile(95), 4);
    // The primary answered within 4 ms every time, before the p95 delay of 4 ms expired: no hedge.
    assert.equal(replica.calls(), 0);

    slow = true;
    const started = clock.now();
    const outcome = await run(clock, shard.topStores(1), 400);
    assert.deepEqual(outcome.value, [{ storeID: 9, numberOfItems: 9 }]);
    assert.equal(events.hedges, 1);
    assert.equal(events.wins, 1);
    assert.ok(events.durations.includes(`top_stores/replica/5`));
    // The slow primary's late answer still lands in the window.
    assert.ok(shard.window.size() === 31);
    assert.ok(clock.now() - started >= 300);
  });

  it('does not hedge without a replica and reports a timeout as ShardFailure', async () => {
    const clock = manualClock();
    const primary = timedRepository(clock, () => 5000, ROWS);
    const { observer, events } = recordingObserver();
    const shard = client(clock, primary.repository, undefined, observer);
    const outcome = await run(clock, shard.topStores(1), 1000);
    assert.ok(outcome.error instanceof ShardFailure);
    assert.equal(outcome.error.reason, 'timeout');
    assert.equal(outcome.error.shard, 3);
    assert.equal(events.timeouts, 1);
    assert.equal(events.hedges, 0);
  });

  it('reports a failing primary as ShardFailure and shard down; an answering one as up', async () => {
    const clock = manualClock();
    const { observer, events } = recordingObserver();
    const down = client(clock, timedRepository(clock, () => 1, ROWS, true).repository, undefined, observer);
    const outcome = await run(clock, down.topStores(1), 10);
    assert.ok(outcome.error instanceof ShardFailure && outcome.error.reason === 'error');
    assert.deepEqual(events.up, [false]);
    const up = client(clock, timedRepository(clock, () => 1, ROWS).repository, undefined, observer);
    await run(clock, up.topStores(1), 10);
    assert.deepEqual(events.up, [false, true]);
  });

  it('answers from the replica when the primary is down', async () => {
    const clock = manualClock();
    const { observer, events } = recordingObserver();
    const primary = timedRepository(clock, () => 1, ROWS, true);
    const replica = timedRepository(clock, () => 2, [{ storeID: 5, numberOfItems: 1 }]);
    const shard = client(clock, primary.repository, replica.repository, observer);
    const outcome = await run(clock, shard.topStores(1), 10);
    assert.deepEqual(outcome.value, [{ storeID: 5, numberOfItems: 1 }]);
    assert.equal(events.wins, 1);
  });

  it('ping says whether the primary answers within the deadline', async () => {
    const clock = manualClock();
    const { observer, events } = recordingObserver();
    const alive = client(clock, timedRepository(clock, () => 1, ROWS).repository, undefined, observer);
    const hung = client(clock, timedRepository(clock, () => 10_000, ROWS).repository, undefined, observer);
    assert.equal((await run(clock, alive.ping(), 5)).value, true);
    assert.equal((await run(clock, hung.ping(), 1000)).value, false);
    assert.deepEqual(events.up, [true, false]);
    await flush();
  });
  it('hedges at most its budget when the primary is slow on every query (no load doubling)', async () => {
    const clock = manualClock();
    const primary = timedRepository(clock, () => 200, ROWS);
    const replica = timedRepository(clock, () => 1, ROWS);
    const { observer, events } = recordingObserver();
    const shard = client(clock, primary.repository, replica.repository, observer, {
      budgetRatio: 0.1,
      budgetBurst: 5,
    });
    for (let i = 0; i < 100; i++) await run(clock, shard.topStores(1), 300);
    assert.equal(replica.calls(), events.hedges);
    assert.ok(events.hedges >= 14 && events.hedges <= 15, `hedges ${events.hedges}`);
  });
});
