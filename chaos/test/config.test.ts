import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadChaosConfig, scenarioCommand } from '../src/config.js';

test("a scenario's command names that scenario and every CHAOS_ variable that was set", () => {
  const env = {
    SCENARIOS: 'kill,shard',
    CHAOS_CLIENTS: '128',
    CHAOS_DURATION_S: '120',
    HOME: '/root',
    CHAOS_SKEW: '',
  };
  assert.equal(
    scenarioCommand('shard', env),
    'SCENARIOS=shard CHAOS_CLIENTS=128 CHAOS_DURATION_S=120 make chaos',
  );
  assert.equal(scenarioCommand('kill', {}), 'SCENARIOS=kill make chaos');
});

test('ALLOW_DIRTY is off unless set', () => {
  assert.equal(loadChaosConfig({}).allowDirty, false);
  assert.equal(loadChaosConfig({ ALLOW_DIRTY: 'true' }).allowDirty, true);
});
