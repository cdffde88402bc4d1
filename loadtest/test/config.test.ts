import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changedSettings, loadLoadConfig } from '../src/config.js';

test('the settings that differ from a bare invocation are the ones a reproducing command needs', () => {
  const baseline = loadLoadConfig({}, { scenario: 'full' });
  const config = loadLoadConfig(
    {
      SCENARIO: 'pph60',
      PURCHASES_PER_HOUR: '60',
      CLIENTS: '256,512',
      MAX_ATTEMPTS: '6',
      STORE_ID_BASE: '5000',
    },
    { scenario: 'full' },
  );
  assert.deepEqual(changedSettings(config, baseline), {
    SCENARIO: 'pph60',
    PURCHASES_PER_HOUR: 60,
    STORE_ID_BASE: 5000,
  });
  assert.deepEqual(changedSettings(baseline, baseline), {});
});

test('ALLOW_DIRTY defaults per command and is parsed as a boolean', () => {
  assert.equal(loadLoadConfig({}).allowDirty, false);
  assert.equal(loadLoadConfig({}, { allowDirty: true }).allowDirty, true);
  assert.equal(loadLoadConfig({ ALLOW_DIRTY: '1' }).allowDirty, true);
});
