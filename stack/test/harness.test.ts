import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stackRuntime } from '../src/harness.js';

test('an explicit STACK_RUNTIME wins', () => {
  assert.equal(stackRuntime({ STACK_RUNTIME: 'native' }), 'native');
  assert.equal(stackRuntime({ STACK_RUNTIME: 'containers' }), 'containers');
});

test('auto picks native where Java and the PostgreSQL binaries are installed', () => {
  // This machine (and CI) has both; the containers branch needs a Docker engine to be exercised.
  assert.equal(stackRuntime({}), 'native');
  assert.equal(stackRuntime({ STACK_RUNTIME: 'auto', PG_BIN_DIR: '/nonexistent' }), 'native');
});

test('a misspelt runtime is refused', () => {
  assert.throws(() => stackRuntime({ STACK_RUNTIME: 'docker' }), /native, containers or auto/);
});
