import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError } from '@tillstream/config';
import { loadCompareConfig, runPlan } from '../src/compare.js';

test('the comparison settings default to every mode, port offset 10000 and a 10 s cool-down', () => {
  const config = loadCompareConfig({});
  assert.deepEqual(config.modes, ['kafka-sharded', 'sync-db', 'rabbitmq']);
  assert.equal(config.portOffset, 10_000);
  assert.equal(config.coolDownMs, 10_000);
  assert.equal(config.repetitions, 3);
  assert.equal(loadCompareConfig({ REPETITIONS: '5' }).repetitions, 5);
  assert.ok(path.isAbsolute(config.stackRoot));
});

test('bad comparison settings are refused by name, before any stack starts', () => {
  for (const [name, value] of [
    ['COMPARE_PORT_OFFSET', 'ten'],
    ['COOL_DOWN_MS', '-1'],
    ['MODES', 'kafka-sharded,mongodb'],
    ['REPETITIONS', '0'],
  ] as const) {
    assert.throws(
      () => loadCompareConfig({ [name]: value }),
      (error: unknown) => error instanceof ConfigError && error.message.includes(name),
      name,
    );
  }
});

test('repetitions run as rounds over every client count, so the runs of one point are spread out', () => {
  assert.deepEqual(
    runPlan([256, 512], 3).map((r) => `${r.clients}#${r.repetition}`),
    ['256#1', '512#1', '256#2', '512#2', '256#3', '512#3'],
  );
  assert.deepEqual(runPlan([256], 1), [{ clients: 256, repetition: 1 }]);
});
