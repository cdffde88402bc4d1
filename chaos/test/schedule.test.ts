import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KILL_ROTATION, rotatingSchedule, singleFault } from '../src/schedule.js';

test('the killer rotates over every kind, one fault per interval, leaving time to recover', () => {
  const faults = rotatingSchedule(KILL_ROTATION, { firstAtS: 30, intervalS: 30, durationS: 300, quietS: 30 });
  assert.deepEqual(
    faults.map((f) => f.atS),
    [30, 60, 90, 120, 150, 180, 210, 240, 270],
  );
  assert.deepEqual(
    faults.map((f) => f.kind),
    KILL_ROTATION.slice(0, 9),
  );
  for (let i = 1; i < faults.length; i++) assert.ok(faults[i]!.atS - faults[i - 1]!.atS >= 30);
  // Both Kafka roles are hit in a 5-minute run, and every kind of process at least once.
  const kinds = new Set(faults.map((f) => f.kind));
  for (const kind of [
    'kill-purchase-worker',
    'kill-consumer',
    'kill-kafka-controller',
    'kill-kafka-leader',
    'kill-shard',
    'kill-store',
  ] as const)
    assert.ok(kinds.has(kind), kind);
});

test('the rotation wraps around and a short run gets the first kinds', () => {
  const faults = rotatingSchedule(['kill-consumer', 'kill-kafka-node'], {
    firstAtS: 5,
    intervalS: 10,
    durationS: 50,
    quietS: 10,
  });
  assert.deepEqual(
    faults.map((f) => `${f.atS}:${f.kind}`),
    ['5:kill-consumer', '15:kill-kafka-node', '25:kill-consumer', '35:kill-kafka-node'],
  );
  assert.deepEqual(
    rotatingSchedule(['kill-store'], { firstAtS: 50, intervalS: 10, durationS: 50, quietS: 10 }),
    [],
  );
  assert.throws(
    () => rotatingSchedule([], { firstAtS: 1, intervalS: 1, durationS: 5, quietS: 0 }),
    RangeError,
  );
});

test('a held fault must fit in the load with its recovery time', () => {
  assert.deepEqual(singleFault('stop-shard', 30, 60, 150, 30), [{ kind: 'stop-shard', atS: 30, holdS: 60 }]);
  assert.throws(() => singleFault('stop-shard', 30, 60, 100, 30), /does not fit/);
});
