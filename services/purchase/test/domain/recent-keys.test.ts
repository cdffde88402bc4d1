import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentIdempotencyKeys } from '../../src/domain/recent-keys.js';

test('a key is new, then a repeat with the same purchase, a conflict with another', () => {
  const keys = new RecentIdempotencyKeys(10);
  assert.equal(keys.use('k1', 'p1'), 'new');
  assert.equal(keys.use('k1', 'p1'), 'repeat');
  assert.equal(keys.use('k1', 'p2'), 'conflict');
  assert.equal(keys.use('k1', 'p1'), 'repeat', 'the first request keeps the key');
});

test('bounded: the least recently used key is forgotten first', () => {
  const keys = new RecentIdempotencyKeys(2);
  keys.use('a', '1');
  keys.use('b', '2');
  keys.use('a', '1'); // a is now the most recent
  keys.use('c', '3'); // evicts b
  assert.equal(keys.size, 2);
  assert.equal(keys.use('a', 'other'), 'conflict');
  assert.equal(keys.use('b', 'other'), 'new', 'b was forgotten');
});

test('capacity 0 remembers nothing', () => {
  const keys = new RecentIdempotencyKeys(0);
  assert.equal(keys.use('a', '1'), 'new');
  assert.equal(keys.use('a', '2'), 'new');
  assert.equal(keys.size, 0);
});
