import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SUPERVISOR,
  cpuBreakdown,
  sampleComponents,
  stackComponents,
  type ComponentState,
} from '../src/component-cpu.js';
import type { ProcStat } from '../src/process-cpu.js';
import { formatCpuBreakdown } from '../src/summary-table.js';

// supervisor 1 → Kafka node 10 (its JVM 11), shard 20 (backends 21, 22), purchase primary 30 (worker
// 31), store 50, a helper 40 of the supervisor itself; 99 is not in the stack.
const state: ComponentState = {
  supervisor: { pid: 1 },
  kafka: { nodes: [{ id: 1, pid: 10 }] },
  shards: [
    { index: 0, pid: 20 },
    { index: 1, pid: null },
  ],
  services: { store: { pids: [50] }, purchase: { pids: [30] } },
  prometheus: { pid: null },
};

const stats = (ticks: Record<number, number>, parents: Record<number, number>): ProcStat[] =>
  Object.entries(ticks).map(([pid, t]) => ({ pid: Number(pid), ppid: parents[Number(pid)] ?? 0, ticks: t }));
const PARENTS = { 10: 1, 11: 10, 20: 1, 21: 20, 22: 20, 30: 1, 31: 30, 40: 1, 50: 1, 99: 0 };

test('the components of a stack: each Kafka node, each shard, each service; absent pids are skipped', () => {
  assert.deepEqual(
    stackComponents(state).map((c) => [c.name, c.roots]),
    [
      ['kafka-1', [10]],
      ['shard-0', [20]],
      ['purchase', [30]],
      ['store', [50]],
    ],
  );
});

test('each process counts once, for its component; the rest of the supervisor tree is its own share', () => {
  const sample = sampleComponents(
    stats({ 1: 5, 10: 1, 11: 100, 20: 2, 21: 30, 22: 40, 30: 3, 31: 50, 40: 7, 50: 9, 99: 1000 }, PARENTS),
    1,
    stackComponents(state),
  );
  assert.deepEqual(sample.ticks, { 'kafka-1': 101, 'shard-0': 72, purchase: 53, store: 9, [SUPERVISOR]: 12 });
});

test('CPU per component and per purchase between two samples; a replaced component is marked', () => {
  const components = stackComponents(state);
  const before = sampleComponents(
    stats({ 1: 0, 10: 0, 11: 100, 20: 0, 21: 0, 30: 0, 31: 0, 40: 0, 50: 0 }, PARENTS),
    1,
    components,
  );
  // The store was restarted as pid 51 (state.json names it now); the shard gained a backend.
  const after = sampleComponents(
    stats(
      { 1: 0, 10: 0, 11: 300, 20: 0, 21: 50, 22: 50, 30: 0, 31: 400, 40: 0, 51: 20 },
      { ...PARENTS, 51: 1 },
    ),
    1,
    stackComponents({ ...state, services: { ...state.services, store: { pids: [51] } } }),
  );
  const cpu = cpuBreakdown(before, after, 1000);
  assert.deepEqual(cpu.components['kafka-1'], { cpuSeconds: 2, msPerPurchase: 2 });
  assert.deepEqual(cpu.components['shard-0'], { cpuSeconds: 1, msPerPurchase: 1 });
  assert.deepEqual(cpu.components.purchase, { cpuSeconds: 4, msPerPurchase: 4 });
  assert.equal(cpu.components.store?.replaced, true);
  assert.equal(cpu.stack.cpuSeconds, 7.2);
  assert.match(
    formatCpuBreakdown(cpu),
    /^7\.200 ms\/purchase: purchase 4\.000, kafka-1 2\.000, shard-0 1\.000, store 0\.200 \(replaced\)$/,
  );
});
