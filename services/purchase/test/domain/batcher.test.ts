import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, settled } from '../support/manual-clock.js';
import {
  BatcherClosedError,
  BatchTimeoutError,
  InFlightLimitError,
  MicroBatcher,
  type BatcherOptions,
} from '../../src/domain/batcher.js';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A send whose batches are recorded and settled by the test. */
function controlledSend() {
  const batches: { items: number[]; done: Deferred }[] = [];
  let active = 0;
  let maxActive = 0;
  const send = (items: readonly number[]) => {
    const done = deferred();
    batches.push({ items: [...items], done });
    active++;
    maxActive = Math.max(maxActive, active);
    return done.promise.finally(() => active--);
  };
  return { batches, send, maxActive: () => maxActive };
}

let clock = new ManualClock();
beforeEach(() => {
  clock = new ManualClock();
});

function batcher(send: BatcherOptions<number>['send'], overrides: Partial<BatcherOptions<number>> = {}) {
  return new MicroBatcher<number>({
    clock,
    maxMessages: 100,
    maxBytes: 1_000_000,
    lingerMs: 1,
    concurrency: 1,
    maxInFlight: 1_000,
    timeoutMs: 10_000,
    send,
    sizeOf: () => 10,
    ...overrides,
  });
}

/** Time passes on the batcher's clock (firing its timers); nothing waits for real. */
const tick = (ms = 5) => clock.advance(ms);
const state = async (promise: Promise<unknown>) =>
  Promise.race([
    promise.then(
      () => 'resolved',
      () => 'rejected',
    ),
    settled().then(() => 'pending'),
  ]);

test('concurrent submissions go out as one send, and resolve only when it is acknowledged', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send);
  const submitted = Array.from({ length: 10 }, (_, i) => b.submit(i));
  await tick();
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0]!.items, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(await state(submitted[0]!), 'pending');
  assert.equal(b.inFlight, 10);
  batches[0]!.done.resolve();
  await Promise.all(submitted);
  assert.equal(b.inFlight, 0);
});

test('a batch is sealed at maxMessages', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send, { maxMessages: 4, concurrency: 10 });
  const submitted = Array.from({ length: 10 }, (_, i) => b.submit(i));
  await tick();
  assert.deepEqual(
    batches.map((x) => x.items),
    [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ],
  );
  for (const batch of batches) batch.done.resolve();
  await Promise.all(submitted);
});

test('a batch is sealed before it would exceed maxBytes', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send, { maxBytes: 25, concurrency: 10, sizeOf: (n) => n });
  const submitted = [10, 10, 10, 3, 30].map((n) => b.submit(n));
  await tick();
  assert.deepEqual(
    batches.map((x) => x.items),
    [[10, 10], [10, 3], [30]],
  );
  for (const batch of batches) batch.done.resolve();
  await Promise.all(submitted);
});

test('a failed send rejects exactly its own batch', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send, { maxMessages: 2, concurrency: 2 });
  const results = [0, 1, 2, 3].map((i) =>
    b.submit(i).then(
      () => 'ok',
      (e: Error) => e.message,
    ),
  );
  await tick();
  batches[0]!.done.reject(new Error('broker said no'));
  batches[1]!.done.resolve();
  assert.deepEqual(await Promise.all(results), ['broker said no', 'broker said no', 'ok', 'ok']);
});

test('at most `concurrency` sends run at once, and the open batch grows meanwhile', async () => {
  const { batches, send, maxActive } = controlledSend();
  const b = batcher(send, { concurrency: 1 });
  const first = b.submit(0);
  await tick();
  const rest = [1, 2, 3, 4, 5].map((i) => b.submit(i));
  await tick(10);
  assert.equal(batches.length, 1, 'the second batch waits for a free slot');
  batches[0]!.done.resolve();
  await first;
  await tick();
  assert.equal(batches.length, 2);
  assert.deepEqual(batches[1]!.items, [1, 2, 3, 4, 5]);
  batches[1]!.done.resolve();
  await Promise.all(rest);
  assert.equal(maxActive(), 1);
});

test('over maxInFlight a submission is refused at once, and accepted again after acks', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send, { maxInFlight: 3 });
  const held = [0, 1, 2].map((i) => b.submit(i));
  await assert.rejects(b.submit(3), InFlightLimitError);
  await tick();
  batches[0]!.done.resolve();
  await Promise.all(held);
  const again = b.submit(4);
  await tick();
  batches[1]!.done.resolve();
  await again;
});

test('a send that never answers is timed out, but its items stay counted until it settles', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send, { timeoutMs: 30, maxInFlight: 2 });
  const submitted = [b.submit(0), b.submit(1)].map((p) => assert.rejects(p, BatchTimeoutError));
  await tick(29);
  assert.equal(await state(submitted[0]!), 'pending', 'not before the deadline');
  await tick(1);
  await Promise.all(submitted);
  assert.equal(b.inFlight, 2, 'memory stays bounded: the hung send still holds its items');
  await assert.rejects(b.submit(2), InFlightLimitError);
  batches[0]!.done.resolve();
  await settled();
  assert.equal(b.inFlight, 0);
});

test('a batch that times out before it could be sent is dropped, never sent', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send, { timeoutMs: 40, concurrency: 1, maxMessages: 1 });
  const [first, queued] = [b.submit(0), b.submit(1)].map((p) => assert.rejects(p, BatchTimeoutError));
  await tick(40);
  await Promise.all([first, queued]);
  batches[0]!.done.resolve();
  await tick(20);
  assert.deepEqual(
    batches.map((x) => x.items),
    [[0]],
  );
  assert.equal(b.inFlight, 0);
});

test('over maxInFlightBytes a submission is refused at once, whatever the count', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send, { maxInFlightBytes: 100, sizeOf: (n) => n, maxInFlight: 1_000 });
  const held = [40, 50].map((n) => b.submit(n));
  assert.equal(b.inFlightBytes, 90);
  await assert.rejects(
    b.submit(20),
    (e: Error) => e instanceof InFlightLimitError && /100 bytes/.test(e.message),
  );
  const fits = b.submit(10);
  await tick();
  batches[0]!.done.resolve();
  await Promise.all([...held, fits]);
  assert.equal(b.inFlightBytes, 0);
  const alone = b.submit(500);
  assert.equal(b.inFlightBytes, 500, 'one item larger than the bound is taken when nothing is held');
  await tick();
  batches[1]!.done.resolve();
  await alone;
});

test('parts of a batch reported by the send settle at once, each with its own outcome', async () => {
  const reports: ((indexes: readonly number[], error?: unknown) => void)[] = [];
  const done = deferred();
  const settledBatches: { size: number; stored: number }[] = [];
  const b = batcher(
    (_items, report) => {
      reports.push(report);
      return done.promise;
    },
    { onBatchSettled: ({ size, stored }) => settledBatches.push({ size, stored }) },
  );
  const results = [0, 1, 2, 3].map((i) => b.submit(i));
  await tick();
  reports[0]!([0, 2]);
  assert.equal(await state(results[0]!), 'resolved', 'answered before the rest of the send is over');
  assert.equal(await state(results[1]!), 'pending');
  reports[0]!([1], new Error('broker 2 did not answer'));
  await assert.rejects(results[1]!, /broker 2/);
  assert.equal(await state(results[2]!), 'resolved');
  assert.equal(b.inFlight, 4, 'held until the whole send settles');
  done.resolve();
  await results[3]!;
  assert.equal(b.inFlight, 0);
  assert.deepEqual(settledBatches, [{ size: 4, stored: 3 }]);
});

test('items a rejected send did not report fail with its error; reported ones keep their outcome', async () => {
  const done = deferred();
  const b = batcher((_items, report) => {
    report([0]);
    return done.promise;
  });
  const results = [0, 1].map((i) => b.submit(i));
  await tick();
  done.reject(new Error('connection lost'));
  await results[0]!;
  await assert.rejects(results[1]!, /connection lost/);
});

test('a send that throws synchronously rejects its batch', async () => {
  const b = batcher(() => {
    throw new Error('sync failure');
  });
  const rejected = assert.rejects(b.submit(1), /sync failure/);
  await tick();
  await rejected;
  assert.equal(b.inFlight, 0);
});

test('close sends what is held, waits for it, then refuses new submissions', async () => {
  const { batches, send } = controlledSend();
  const b = batcher(send, { lingerMs: 1_000 });
  const held = [b.submit(1), b.submit(2)];
  let closed = false;
  const closing = b.close().then(() => (closed = true));
  await settled();
  assert.equal(batches.length, 1, 'close does not wait for the linger');
  assert.equal(closed, false);
  await assert.rejects(b.submit(3), BatcherClosedError);
  batches[0]!.done.resolve();
  await closing;
  await Promise.all(held);
});

test('close on an idle batcher resolves at once', async () => {
  await batcher(() => Promise.resolve()).close();
});
