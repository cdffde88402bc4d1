import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { murmur2, partitionForKey, toPositive } from '../src/murmur2.js';

const require = createRequire(import.meta.url);

// Vectors of the Java client's Utils.murmur2 (the same ones kafkajs checks its partitioner against).
const JAVA_VECTORS: Record<string, number> = {
  '0': 971027396,
  '1': -1993445489,
  '128': -326012175,
  '2187': -1508407203,
  '16384': -325739742,
  '78125': -1654490814,
  '279936': 1462227128,
  '823543': -2014198330,
  '2097152': 607668903,
  '4782969': -1182699775,
  '10000000': -1830336757,
  '19487171': -1603849305,
  '35831808': -857013643,
  '62748517': -1167431028,
  '105413504': -381294639,
  '170859375': -1658323481,
};

test('murmur2 matches the Java client for known keys', () => {
  for (const [key, expected] of Object.entries(JAVA_VECTORS)) {
    assert.equal(murmur2(new TextEncoder().encode(key)), expected, `key ${key}`);
  }
});

test('partitionForKey agrees with kafkajs DefaultPartitioner for any key and partition count', () => {
  const { Partitioners } = require('kafkajs') as typeof import('kafkajs');
  const partitioner = Partitioners.DefaultPartitioner();
  fc.assert(
    fc.property(
      fc.string({ minLength: 0, maxLength: 40 }),
      fc.integer({ min: 1, max: 256 }),
      (key, count) => {
        const partitionMetadata = Array.from({ length: count }, (_, i) => ({
          partitionId: i,
          leader: 0,
          replicas: [0],
          isr: [0],
          offlineReplicas: [],
          partitionErrorCode: 0,
        }));
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: 'v' } });
        assert.equal(partitionForKey(key, count), expected);
      },
    ),
    { numRuns: 500 },
  );
});

test('toPositive clears the sign bit like Java (MIN_VALUE → 0, not abs)', () => {
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(-1), 2147483647);
  assert.equal(toPositive(5), 5);
});

test('partitionForKey rejects a non-positive partition count', () => {
  assert.throws(() => partitionForKey('1', 0), RangeError);
  assert.throws(() => partitionForKey('1', 1.5), RangeError);
});
