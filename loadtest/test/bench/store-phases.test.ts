import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phasePlan } from '../../src/bench/store-latency.js';

test('store benchmark phases: hedged ones only with replicas, tail ones unless --no-tail', () => {
  const names = (replica: 'streaming' | 'connection' | 'none', tail: boolean) =>
    phasePlan(replica, tail).map((p) => p.name);
  assert.deepEqual(names('streaming', true), ['primary-only', 'hedged', 'tail-primary-only', 'tail-hedged']);
  assert.deepEqual(names('connection', false), ['primary-only', 'hedged']);
  assert.deepEqual(names('none', true), ['primary-only', 'tail-primary-only']);
  assert.deepEqual(names('none', false), ['primary-only']);
  assert.deepEqual(phasePlan('streaming', true)[3], { name: 'tail-hedged', hedged: true, tail: true });
});
