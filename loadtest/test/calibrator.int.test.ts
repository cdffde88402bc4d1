// The calibrator against the real bare route (built: make build): it answers 201s, and the CPU of its
// processes is read from /proc. No threshold on the figures: they depend on the machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureCalibrator } from '../src/calibrator.js';

test('the calibrator loads the bare express route and reads its requests/s and server CPU per request', async () => {
  const result = await measureCalibrator({ connections: 8, workers: 2, warmupMs: 200, durationMs: 1_000 });
  assert.ok(result.created > 0, 'the bare route answered 201');
  assert.ok(result.seconds >= 0.9 && result.seconds < 5, `measured window ${result.seconds} s`);
  assert.equal(result.requestsPerSecond, result.created / result.seconds);
  assert.ok(result.serverCpuMsPerRequest > 0, 'the server processes used CPU');
});
