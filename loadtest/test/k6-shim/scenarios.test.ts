import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planScenarios } from '../../src/k6-shim/scenarios.js';

test('per-vu-iterations scenarios get consecutive VU ids and k6 defaults', () => {
  const planned = planScenarios({
    scenarios: {
      east: { executor: 'per-vu-iterations', vus: 2, iterations: 5, exec: 'store', maxDuration: '1m' },
      west: { executor: 'per-vu-iterations', vus: 3, startTime: '2s', tags: { phase: 'west' } },
    },
  });
  assert.deepEqual(
    planned.map((s) => [
      s.name,
      s.firstVuId,
      s.vus,
      s.iterations,
      s.exec,
      s.startMs,
      s.maxDurationMs,
      s.gracefulStopMs,
    ]),
    [
      ['east', 1, 2, 5, 'store', 0, 60_000, 30_000],
      ['west', 3, 3, 1, 'default', 2000, 600_000, 30_000],
    ],
  );
  assert.deepEqual(planned[1]!.tags, { phase: 'west' });
});

test('without scenarios: one VU, one iteration of the default function', () => {
  assert.deepEqual(
    planScenarios({}).map((s) => [s.name, s.vus, s.iterations, s.exec]),
    [['default', 1, 1, 'default']],
  );
});

test('executors and options the shim does not implement are refused by name', () => {
  assert.throws(
    () => planScenarios({ scenarios: { a: { executor: 'constant-arrival-rate' } } }),
    /constant-arrival-rate is not implemented/,
  );
  assert.throws(() => planScenarios({ vus: 10, iterations: 100 }), /shared-iterations/);
  assert.throws(() => planScenarios({ duration: '30s' }), /time-based/);
});
