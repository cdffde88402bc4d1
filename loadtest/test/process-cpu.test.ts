import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcStat, treePids, treeTicks, cpuSecondsOfTrees } from '../src/process-cpu.js';

test('parses utime+stime+cutime+cstime and the parent, whatever the command name holds', () => {
  const line = '4242 (my (odd) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 30 12 5 3 20 0 1 0 100 0 0';
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 17, ticks: 30 + 12 + 5 + 3 });
});

test('sums the root and its descendants only', () => {
  const stats = [
    { pid: 1, ppid: 0, ticks: 1000 },
    { pid: 10, ppid: 1, ticks: 5 },
    { pid: 11, ppid: 10, ticks: 7 },
    { pid: 12, ppid: 11, ticks: 11 },
    { pid: 20, ppid: 1, ticks: 100 },
  ];
  assert.equal(treeTicks(stats, 10), 23);
  assert.equal(treeTicks(stats, 99), 0);
  assert.deepEqual(treePids(stats, 10), [10, 11, 12]);
  assert.deepEqual(
    treePids(stats, 1).sort((a, b) => a - b),
    [1, 10, 11, 12, 20],
  );
});

test('this process tree has used some CPU, and the reading only grows', () => {
  const before = cpuSecondsOfTrees([process.pid]);
  let x = 0;
  // Spin for CPU time, not wall time: on a busy machine 120 ms of wall time can hold less CPU than
  // one /proc clock tick (10 ms).
  const start = process.cpuUsage();
  while (process.cpuUsage(start).user < 50_000) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  assert.ok(cpuSecondsOfTrees([process.pid]) > before);
});
