import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshStoreIdBase } from '../src/run.js';

test('each run gets store ids above everything already on the shards', () => {
  assert.equal(freshStoreIdBase(undefined), 0, 'empty shards: the run may start at store 0');
  assert.equal(freshStoreIdBase(256), 1000);
  assert.equal(freshStoreIdBase(999), 1000);
  assert.equal(freshStoreIdBase(1000), 2000);
});

test('store 0 on the shards is a store: the next run starts above it', () => {
  assert.equal(freshStoreIdBase(0), 1000);
});
