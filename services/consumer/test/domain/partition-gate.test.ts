import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@tillstream/observability';
import type { PartitionLog } from '../../src/domain/assignment.js';
import type { StoredOffset } from '../../src/types.js';
import { createPartitionGate } from '../../src/domain/partition-gate.js';

const OLD = '11111111-1111-4111-8111-111111111111';
const NEW = '22222222-2222-4222-8222-222222222222';

/** A gate over fake shards (partition p on shard p % 2) and a fake topic, recording what it did. */
function setup(options: { stored?: Record<number, StoredOffset>; high?: number } = {}) {
  const stored = new Map<number, StoredOffset>(
    Object.entries(options.stored ?? {}).map(([p, o]) => [Number(p), o]),
  );
  const state = {
    topicId: OLD as string | undefined,
    failReads: 0,
    slowReads: undefined as Promise<void> | undefined,
    slowTopicId: undefined as Promise<void> | undefined,
    topicGone: false,
  };
  const paused = new Set<number>();
  const seeks: [number, number][] = [];
  const blocked = new Map<number, string>();
  const gate = createPartitionGate({
    shardOf: (p) => p % 2,
    readStored: async (_shard, partitions) => {
      if (state.failReads > 0) {
        state.failReads -= 1;
        throw new Error('ECONNREFUSED');
      }
      await state.slowReads;
      return new Map(partitions.filter((p) => stored.has(p)).map((p) => [p, stored.get(p)!]));
    },
    readLog: async () =>
      new Map<number, PartitionLog>([0, 1, 2, 3].map((p) => [p, { low: 0, high: options.high ?? 1000 }])),
    // The id is the one the broker has when the request is sent; its answer may come later.
    readTopicId: () => {
      const sent = state.topicId;
      if (state.topicGone) return Promise.reject(new Error('topic does not exist'));
      return (state.slowTopicId ?? Promise.resolve()).then(() => sent);
    },
    pause: (ps) => ps.forEach((p) => paused.add(p)),
    resume: (ps) => ps.forEach((p) => paused.delete(p)),
    seek: (p, offset) => seeks.push([p, offset]),
    onBlocked: (p, reason) => (reason === undefined ? blocked.delete(p) : blocked.set(p, reason)),
    log: createLogger('test', 'silent'),
    retryMs: 20,
  });
  const settle = () => new Promise((r) => setTimeout(r, 30));
  return { gate, stored, state, paused, seeks, blocked, settle };
}

describe('partition gate', () => {
  it('holds every assigned partition until it is sought to its shard offset', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: OLD }, 1: { nextOffset: 7, topicId: OLD } } });
    t.gate.assign([0, 1, 2]);
    assert.deepEqual([...t.paused].sort(), [0, 1, 2], 'paused before any fetch');
    assert.ok(t.gate.isHeld(0));
    await t.settle();
    assert.deepEqual(t.seeks.sort(), [
      [0, 40],
      [1, 7],
      [2, 0],
    ]);
    assert.equal(t.paused.size, 0);
    assert.equal(t.gate.isHeld(0), false);
    assert.equal(t.gate.topicId(), OLD);
  });

  it('keeps a partition of another incarnation stopped until its row is accepted', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: NEW }, 1: { nextOffset: 7, topicId: OLD } } });
    t.gate.assign([0, 1]);
    await t.settle();
    assert.deepEqual([...t.blocked], [[0, 'topic-recreated']]);
    assert.deepEqual([...t.paused], [0]);
    await t.gate.poll();
    await t.settle();
    assert.deepEqual([...t.paused], [0], 'still stopped');
    t.stored.set(0, { nextOffset: 0, topicId: OLD }); // what offsets-cli accept writes
    await t.gate.poll();
    await t.settle();
    assert.equal(t.blocked.size, 0);
    assert.equal(t.paused.size, 0);
    assert.deepEqual(t.seeks.at(-1), [0, 0]);
  });

  it('re-checks every partition when the topic id changes, and stops those of the old incarnation', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: OLD }, 1: { nextOffset: 7, topicId: OLD } } });
    t.gate.assign([0, 1]);
    await t.settle();
    t.state.topicId = NEW;
    await t.gate.poll();
    assert.equal(t.gate.topicId(), NEW, 'transactions expect the new id at once');
    await t.settle();
    assert.deepEqual([...t.blocked.keys()].sort(), [0, 1]);
    assert.deepEqual([...t.paused].sort(), [0, 1]);
  });

  it('admits a batch only by a topic id read sent after it arrived', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: OLD }, 1: { nextOffset: 7, topicId: OLD } } });
    t.gate.assign([0, 1]);
    await t.settle();
    let answer!: () => void;
    t.state.slowTopicId = new Promise((r) => (answer = r));
    const early = t.gate.admit(0); // a batch of the old topic: its read is sent now
    t.state.topicId = NEW; // deleted and created again before the next batch arrives
    const late = t.gate.admit(1); // must not take the answer of the read already sent
    answer();
    assert.equal(await early, true);
    assert.equal(await late, false, 'a batch of the new topic is not applied');
    assert.equal(t.gate.topicId(), NEW);
    await t.settle();
    assert.deepEqual([...t.blocked.keys()].sort(), [0, 1]);
    assert.deepEqual([...t.paused].sort(), [0, 1]);
  });

  it('holds a partition whose batch arrives while the topic cannot be read', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: OLD } } });
    t.gate.assign([0]);
    await t.settle();
    t.state.topicGone = true;
    assert.equal(await t.gate.admit(0), false);
    assert.ok(t.gate.isHeld(0));
    assert.deepEqual([...t.paused], [0]);
    t.state.topicGone = false;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(t.gate.isHeld(0), false, 'checked again once it can be read');
    t.gate.stop();
  });

  it('stops a partition whose stored offset lies beyond the log end', async () => {
    const t = setup({ stored: { 1: { nextOffset: 5000, topicId: OLD } }, high: 1000 });
    t.gate.assign([1]);
    await t.settle();
    assert.deepEqual([...t.blocked], [[1, 'offset-beyond-log-end']]);
  });

  it('seeks a partition back when its shard holds less than was applied', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: OLD } } });
    t.gate.assign([0]);
    await t.settle();
    t.gate.applied(0, 90);
    t.stored.set(0, { nextOffset: 40, topicId: OLD }); // restored: the shard lost 40…89
    await t.gate.poll();
    await t.settle();
    assert.deepEqual(t.seeks.at(-1), [0, 40]);
    t.gate.applied(0, 60);
    t.stored.set(0, { nextOffset: 60, topicId: OLD });
    const before = t.seeks.length;
    await t.gate.poll();
    await t.settle();
    assert.equal(t.seeks.length, before, 'a shard that holds what was applied is left alone');
  });

  it('drops the result of a check started for an older assignment', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: OLD } } });
    let release!: () => void;
    t.state.slowReads = new Promise((r) => (release = r));
    t.gate.assign([0, 1]);
    t.gate.assign([1]); // a rebalance took partition 0 away meanwhile
    release();
    await t.settle();
    assert.ok(!t.seeks.some(([p]) => p === 0), 'no seek on a partition no longer assigned');
  });

  it('keeps partitions paused and tries again while a shard cannot be read', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: OLD } } });
    t.state.failReads = 2;
    t.gate.assign([0]);
    await t.settle();
    assert.deepEqual([...t.paused], [0]);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(t.seeks, [[0, 40]]);
    assert.equal(t.paused.size, 0);
    t.gate.stop();
  });
});

describe('partition gate: failed checks', () => {
  it('retries every held partition, not only those of the last failed check', async () => {
    const t = setup({ stored: { 0: { nextOffset: 40, topicId: OLD }, 1: { nextOffset: 7, topicId: OLD } } });
    t.gate.assign([0, 1]);
    await t.settle();
    t.state.failReads = 2;
    t.gate.recheck([0]); // fails, and is to be retried …
    t.gate.recheck([1]); // … when this one fails too
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual([...t.paused], [], 'both resumed');
    assert.deepEqual(
      t.seeks
        .slice(2)
        .map(([p]) => p)
        .sort(),
      [0, 1],
    );
    t.gate.stop();
  });
});
