import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@tillstream/config';
import { loadExperimentConfig } from '../src/experiment.js';

test('the experiment cools down 10 s between runs and calibrates for 10 s after each by default', () => {
  assert.deepEqual(loadExperimentConfig({}), { coolDownMs: 10_000, calibratorSeconds: 10 });
  assert.equal(loadExperimentConfig({ CALIBRATOR_SECONDS: '0' }).calibratorSeconds, 0);
});

test('bad experiment settings are refused by name, before any stack starts', () => {
  for (const [name, value] of [
    ['COOL_DOWN_MS', '-1'],
    ['CALIBRATOR_SECONDS', 'ten'],
    ['CALIBRATOR_SECONDS', '601'],
  ] as const) {
    assert.throws(
      () => loadExperimentConfig({ [name]: value }),
      (error: unknown) => error instanceof ConfigError && error.message.includes(name),
      `${name}=${value}`,
    );
  }
});
