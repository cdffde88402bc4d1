import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourcePool } from '../../src/baselines/channel-pool.js';

function counterPool(max: number) {
  let next = 0;
  return new ResourcePool(max, () => Promise.resolve(++next));
}

test('creates at most max resources; a borrower waits until one is returned', async () => {
  const pool = counterPool(2);
  const a = await pool.borrow();
  const b = await pool.borrow();
  let third: number | undefined;
  const waiting = pool.borrow().then((r) => (third = r));
  await new Promise((r) => setImmediate(r));
  assert.equal(third, undefined);
  assert.equal(pool.created, 2);
  pool.release(a);
  await waiting;
  assert.equal(third, a);
  assert.notEqual(a, b);
});

test('a broken resource is discarded and a waiter gets a fresh one', async () => {
  const pool = counterPool(1);
  const a = await pool.borrow();
  const waiting = pool.borrow();
  pool.release(a, true);
  const fresh = await waiting;
  assert.notEqual(fresh, a);
  assert.equal(pool.created, 1);
});

test('a failed creation does not use up a slot', async () => {
  let fail = true;
  const pool = new ResourcePool(1, () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(1)));
  await assert.rejects(pool.borrow(), /down/);
  fail = false;
  assert.equal(await pool.borrow(), 1);
});

test('drain rejects waiters and hands back the idle resources', async () => {
  const pool = counterPool(2);
  const a = await pool.borrow();
  const b = await pool.borrow();
  pool.release(a);
  const idle = pool.drain();
  assert.deepEqual(idle, [a]);
  await assert.rejects(pool.borrow(), /closed/);
  pool.release(b);
  assert.equal(pool.created, 0);
});
