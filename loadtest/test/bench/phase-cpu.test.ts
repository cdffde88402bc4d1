import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineTicks, startPhaseCpu } from '../../src/bench/phase-cpu.js';

test('machine ticks: idle and iowait are not busy; steal is', () => {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const stat = 'cpu  100 10 50 800 20 5 5 10 0 0\ncpu0 50 5 25 400 10 2 3 5 0 0\n';
  assert.deepEqual(machineTicks(stat), { busy: 180, total: 1000 });
});

test("a phase's CPU: the bench process's own cores are counted", () => {
  const cpu = startPhaseCpu('/nonexistent-stack', undefined);
  const end = performance.now() + 200;
  while (performance.now() < end); // busy for 200 ms
  const { cores, machineBusy } = cpu.finish();
  assert.ok(cores.bench! > 0.5, `bench used ${cores.bench} cores while spinning`);
  assert.ok(machineBusy > 0 && machineBusy <= 1);
  assert.equal(cores['bench store'], undefined);
});
