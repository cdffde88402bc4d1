// The calibrator against the real bare route (built: make build): it answers 201s, and the CPU of its
// processes is read from /proc. No threshold on the figures: they depend on the machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALIBRATOR_WORKERS, calibrateRun, measureCalibrator } from '../src/calibrator.js';

test('the calibrator loads the bare express route and reads its requests/s and server CPU per request', async () => {
  const result = await measureCalibrator({ connections: 8, workers: 2, warmupMs: 200, durationMs: 1_000 });
  assert.ok(result.created > 0, 'the bare route answered 201');
  assert.ok(result.seconds >= 0.9 && result.seconds < 5, `measured window ${result.seconds} s`);
  assert.equal(result.requestsPerSecond, result.created / result.seconds);
  assert.ok(result.serverCpuMsPerRequest > 0, 'the server processes used CPU');
});

test('a run is calibrated against the bare route with as many clients, one worker per core, or not at all at 0 s', async () => {
  assert.equal(
    await calibrateRun({ clients: 4, stackCpuMsPerPurchase: 1, purchasesPerSecond: 100 }, 0),
    undefined,
  );
  const calibration = await calibrateRun(
    { clients: 4, stackCpuMsPerPurchase: 1, purchasesPerSecond: 100 },
    1,
  );
  assert.ok(calibration);
  const { calibrator } = calibration;
  assert.equal(calibrator.connections, 4);
  assert.equal(calibrator.workers, CALIBRATOR_WORKERS);
  assert.ok(calibrator.created > 0);
  assert.equal(calibration.cpuOverBareRoute, 1 / calibrator.serverCpuMsPerRequest);
  assert.equal(calibration.throughputOverBareRoute, 100 / calibrator.requestsPerSecond);
});
