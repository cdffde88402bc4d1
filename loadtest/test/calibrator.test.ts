import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibratedRatios } from '../src/calibrator.js';

test('a run is stated as multiples of the bare route measured beside it', () => {
  const ratios = calibratedRatios(0.9, 2_000, { serverCpuMsPerRequest: 0.15, requestsPerSecond: 8_000 });
  assert.ok(Math.abs(ratios.cpuOverBareRoute - 6) < 1e-9);
  assert.ok(Math.abs(ratios.throughputOverBareRoute - 0.25) < 1e-9);
});
