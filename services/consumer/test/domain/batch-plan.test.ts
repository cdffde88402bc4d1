import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { partitionOfStore, shardOfStore, type Topology } from '@tillstream/contract';
import { chunkBatch, decodeBatch, planChunk, type DecodedMessage } from '../../src/domain/batch-plan.js';
import { event, message } from '../support/events.js';

const topology: Topology = { partitionCount: 12, shardCount: 4 };
const storeOn = (shard: number, not?: number) => {
  for (let s = 1; ; s++) if (shardOfStore(s, topology) === shard && s !== not) return s;
};

describe('decodeBatch', () => {
  const store = storeOn(1);
  const partition = partitionOfStore(store, topology);

  it('decodes valid events of the partition’s shard', () => {
    const [decoded] = decodeBatch([message(5, event(store))], partition, topology);
    assert.equal(decoded!.kind, 'event');
    assert.equal(decoded!.offset, 5);
  });

  it('marks every kind of poison with the contract’s reason', () => {
    const reasons = decodeBatch(
      [
        message(0, null),
        message(1, '{not json'),
        message(2, JSON.stringify({ ...event(store), v: 9 })),
        message(3, JSON.stringify({ ...event(store), items: [] })),
      ],
      partition,
      topology,
    ).map((d) => (d.kind === 'poison' ? d.reason : 'event'));
    assert.deepEqual(reasons, ['unparseable', 'unparseable', 'unsupported-version', 'invalid']);
  });

  it('marks a store of another shard as wrong-partition, naming both shards', () => {
    const stranger = storeOn(2);
    const [decoded] = decodeBatch([message(0, event(stranger))], partition, topology);
    assert.equal(decoded!.kind, 'poison');
    assert.equal(decoded!.kind === 'poison' && decoded!.reason, 'wrong-partition');
    assert.match(decoded!.kind === 'poison' ? decoded!.detail : '', /shard 2 .* \(shard 1\)/);
  });

  it('accepts a store of the same shard on another of the shard’s partitions', () => {
    // Partitions 1, 5 and 9 all belong to shard 1 with 12 partitions and 4 shards.
    const other = storeOn(1, store);
    const [decoded] = decodeBatch([message(0, event(other))], (partition + 4) % 12, topology);
    assert.equal(decoded!.kind, 'event');
  });
});

describe('chunkBatch', () => {
  const decoded = (itemCounts: number[]): DecodedMessage[] =>
    decodeBatch(
      itemCounts.map((n, i) =>
        message(
          i,
          event(
            storeOn(0),
            Array.from({ length: n }, (_, j): [number, number] => [j + 1, 1]),
          ),
        ),
      ),
      0,
      topology,
    );

  it('splits on the event limit and on the item limit', () => {
    const sizes = (chunks: DecodedMessage[][]) => chunks.map((c) => c.length);
    assert.deepEqual(sizes(chunkBatch(decoded([1, 1, 1, 1, 1]), { maxEvents: 2, maxItems: 100 })), [2, 2, 1]);
    assert.deepEqual(sizes(chunkBatch(decoded([3, 3, 3, 1]), { maxEvents: 100, maxItems: 6 })), [2, 2]);
  });

  it('keeps an event bigger than the item limit, alone', () => {
    assert.deepEqual(
      chunkBatch(decoded([1, 9, 1]), { maxEvents: 100, maxItems: 5 }).map((c) => c.length),
      [1, 1, 1],
    );
  });

  it('preserves every message in order and respects the limits (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 6, max: 30 }),
        (itemCounts, maxEvents, maxItems) => {
          const input = decoded(itemCounts);
          const chunks = chunkBatch(input, { maxEvents, maxItems });
          assert.deepEqual(chunks.flat(), input);
          for (const chunk of chunks) {
            assert.ok(chunk.length >= 1 && chunk.length <= maxEvents);
            const items = chunk.reduce((n, d) => n + (d.kind === 'event' ? d.event.items.length : 0), 0);
            assert.ok(items <= maxItems);
          }
        },
      ),
    );
  });
});

describe('planChunk', () => {
  const store = storeOn(0);
  const a = event(store);
  const b = event(store);

  it('drops what is below the stored offset, dedupes purchaseIds, keeps poison, advances the offset', () => {
    const chunk = decodeBatch(
      [message(10, a), message(11, b), message(12, a), message(13, '{'), message(14, b)],
      0,
      topology,
    );
    const plan = planChunk(chunk, 11);
    assert.deepEqual(
      plan.events.map((e) => [e.offset, e.event.purchaseId]),
      [
        [11, b.purchaseId],
        [12, a.purchaseId],
      ],
    );
    assert.equal(plan.redelivered, 1);
    assert.equal(plan.duplicatesInChunk, 1);
    assert.deepEqual(
      plan.poison.map((p) => p.offset),
      [13],
    );
    assert.equal(plan.nextOffset, 15);
  });

  it('never moves the offset backwards when the whole chunk was applied already', () => {
    const plan = planChunk(decodeBatch([message(3, a), message(4, b)], 0, topology), 100);
    assert.equal(plan.events.length, 0);
    assert.equal(plan.redelivered, 2);
    assert.equal(plan.nextOffset, 100);
  });
});
