import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLogger } from '@tillstream/observability';
import { shardOfStore, partitionOfStore } from '@tillstream/contract';
import {
  createBatchProcessor,
  type BatchControl,
  type ShardStore,
  type ShardTransaction,
} from '../../src/domain/batch-processor.js';
import type { DeadLetter } from '../../src/domain/dead-letter.js';
import { createConsumerMetrics } from '../../src/metrics.js';
import type { WriteRows } from '../../src/domain/rows.js';
import { event, message } from '../support/events.js';

const topology = { partitionCount: 4, shardCount: 2 };
const store = 11;
const partition = partitionOfStore(store, topology);
const shard = shardOfStore(store, topology);

/** An in-memory shard with transactional semantics and injectable failures. */
class FakeShards implements ShardStore {
  offsets = new Map<string, number>();
  purchases = new Set<string>();
  transactions = 0;
  /** Called with the rows of each write; throw to fail the transaction. */
  onWrite: (rows: WriteRows) => void = () => undefined;

  async transaction<T>(s: number, work: (tx: ShardTransaction) => Promise<T>): Promise<T> {
    assert.equal(s, shard, 'every batch goes to its partition’s shard');
    this.transactions += 1;
    const offsets = new Map(this.offsets);
    const purchases = new Set(this.purchases);
    const tx: ShardTransaction = {
      lockPartition: async (topic, p) => offsets.get(`${topic}/${p}`) ?? 0,
      write: async (topic, p, rows, next) => {
        this.onWrite(rows);
        const inserted = rows.purchases.purchaseIds.filter((id) => !purchases.has(id));
        inserted.forEach((id) => purchases.add(id));
        offsets.set(`${topic}/${p}`, next);
        return {
          insertedReceivedAtMs: inserted.map(() => Date.parse('2025-01-31T12:00:00Z')),
          keyConflicts: [],
        };
      },
      advance: async (topic, p, next) => void offsets.set(`${topic}/${p}`, next),
    };
    const result = await work(tx); // throws → nothing below happens: rollback
    this.offsets = offsets;
    this.purchases = purchases;
    return result;
  }
}

function setup(
  options: { publish?: (letters: readonly DeadLetter[]) => Promise<void>; maxEvents?: number } = {},
) {
  const shards = new FakeShards();
  const letters: DeadLetter[] = [];
  const metrics = createConsumerMetrics(new Registry(), topology.shardCount);
  const processBatch = createBatchProcessor({
    store: shards,
    deadLetters: { publish: options.publish ?? (async (l) => void letters.push(...l)) },
    topology,
    groupId: 'g',
    limits: { maxEvents: options.maxEvents ?? 100, maxItems: 10_000 },
    now: () => new Date('2025-01-31T12:00:02Z'),
    metrics,
    log: createLogger('consumer-test', 'silent'),
  });
  const resolved: string[] = [];
  let running = true;
  const control: BatchControl = {
    resolveOffset: (o) => void resolved.push(o),
    heartbeat: async () => undefined,
    isRunning: () => running,
    isStale: () => false,
  };
  return { shards, letters, metrics, processBatch, resolved, control, stop: () => (running = false) };
}

const batch = (messages: ReturnType<typeof message>[]) => ({ topic: 't', partition, messages });

describe('createBatchProcessor', () => {
  it('commits each chunk before resolving its last offset, and records the next offset on the shard', async () => {
    const { shards, processBatch, resolved, control, metrics } = setup({ maxEvents: 2 });
    const outcome = await processBatch(batch([0, 1, 2, 3, 4].map((o) => message(o, event(store)))), control);
    assert.deepEqual(outcome, { kind: 'completed', position: 5 });
    assert.deepEqual(resolved, ['1', '3', '4']);
    assert.equal(shards.transactions, 3);
    assert.equal(shards.offsets.get(`t/${partition}`), 5);
    assert.equal((await metrics.rowsWritten.get()).values[0]!.value, 5);
    const freshness = await metrics.freshness.get();
    assert.equal(freshness.values.find((v) => v.metricName === 'consumer_freshness_seconds_sum')!.value, 10);
  });

  it('applies a redelivered batch as nothing new', async () => {
    const { shards, processBatch, control, metrics } = setup();
    const messages = [0, 1, 2].map((o) => message(o, event(store)));
    await processBatch(batch(messages), control);
    await processBatch(batch(messages), control);
    assert.equal(shards.purchases.size, 3);
    assert.equal((await metrics.rowsWritten.get()).values[0]!.value, 3);
    assert.equal((await metrics.duplicatesSkipped.get()).values[0]!.value, 3);
  });

  it('returns a retry on a transient failure without resolving or committing that chunk', async () => {
    const { shards, processBatch, resolved, control } = setup({ maxEvents: 1 });
    let calls = 0;
    shards.onWrite = () => {
      if (++calls === 2) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
    };
    const outcome = await processBatch(batch([0, 1, 2].map((o) => message(o, event(store)))), control);
    assert.equal(outcome.kind, 'retry');
    assert.equal(outcome.kind === 'retry' && outcome.error.code, 'SHARD_UNAVAILABLE');
    assert.equal(outcome.position, 1);
    assert.deepEqual(resolved, ['0']);
    assert.equal(shards.offsets.get(`t/${partition}`), 1);
  });

  it('treats a dead-letter topic that does not acknowledge as transient: the offset stays', async () => {
    const { shards, processBatch, control } = setup({
      publish: async () => {
        throw new Error('broker not available');
      },
    });
    const outcome = await processBatch(batch([message(0, '{bad')]), control);
    assert.equal(outcome.kind === 'retry' && outcome.error.code, 'DLQ_UNAVAILABLE');
    assert.equal(shards.offsets.get(`t/${partition}`), undefined);
  });

  it('bisects a chunk the shard refuses down to the one event, dead-letters it and applies the rest', async () => {
    const { shards, letters, processBatch, control } = setup();
    const bad = event(store, [[666, 1]]);
    shards.onWrite = (rows) => {
      if (rows.items.itemIds.includes(666))
        throw Object.assign(new Error('value out of range'), { code: '22003' });
    };
    const messages = [0, 1, 2, 3, 4, 5, 6].map((o) => message(o, o === 4 ? bad : event(store)));
    const outcome = await processBatch(batch(messages), control);
    assert.equal(outcome.kind, 'completed');
    assert.equal(shards.purchases.size, 6);
    assert.ok(!shards.purchases.has(bad.purchaseId));
    assert.deepEqual(
      letters.map((l) => [l.headers['dlq-reason'], l.headers['dlq-source-offset']]),
      [['rejected-by-shard', '4']],
    );
    assert.equal(shards.offsets.get(`t/${partition}`), 7);
  });

  it('sends poison to the dead-letter topic once, before committing the offset that skips it', async () => {
    const { shards, letters, processBatch, control } = setup();
    await processBatch(batch([message(0, event(store)), message(1, '{'), message(2, event(store))]), control);
    await processBatch(batch([message(1, '{')]), control); // redelivered: below the stored offset
    assert.equal(letters.length, 1);
    assert.equal(shards.purchases.size, 2);
  });

  it('stops at a chunk boundary when the consumer is stopping', async () => {
    const { processBatch, control, stop, resolved } = setup({ maxEvents: 1 });
    const heartbeat = control.heartbeat;
    control.heartbeat = async () => {
      stop();
      await heartbeat();
    };
    const outcome = await processBatch(batch([0, 1, 2].map((o) => message(o, event(store)))), control);
    assert.deepEqual(outcome, { kind: 'abandoned', position: 1 });
    assert.deepEqual(resolved, ['0']);
  });
});
