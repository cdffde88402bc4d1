import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CPU_CGROUP_ROOT, ReadCpuGroup } from '../../src/bench/read-cpu-group.js';

test('the read group in a cgroup v1 cpu hierarchy: shares, threads by tid, back to the root on close', (t) => {
  if (!existsSync(path.join(CPU_CGROUP_ROOT, 'tasks')) || process.getuid?.() !== 0) {
    t.skip('needs root and the cgroup v1 cpu controller');
    return;
  }
  const group = ReadCpuGroup.create(4096, `tillstream-test-${process.pid}`);
  try {
    assert.equal(group.shares, 4096);
    group.addThreads([process.pid]); // this process's main thread
    assert.deepEqual(group.threads(), [process.pid]);
    assert.match(
      readFileSync(`/proc/${process.pid}/task/${process.pid}/cgroup`, 'utf8'),
      /cpu[^\n]*:\/tillstream-test-/,
    );
  } finally {
    group.close();
  }
  assert.ok(!existsSync(path.join(CPU_CGROUP_ROOT, `tillstream-test-${process.pid}`)));
  assert.doesNotMatch(
    readFileSync(`/proc/${process.pid}/task/${process.pid}/cgroup`, 'utf8'),
    /tillstream-test-/,
  );
});

test('processes that exited meanwhile are skipped', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cpu-cgroup-'));
  const proc = mkdtempSync(path.join(os.tmpdir(), 'proc-'));
  try {
    writeFileSync(path.join(root, 'tasks'), '');
    const group = ReadCpuGroup.create(2048, 'reads', root);
    mkdirSync(path.join(proc, '42', 'task', '43'), { recursive: true });
    mkdirSync(path.join(proc, '42', 'task', '42'), { recursive: true });
    group.addProcesses([42, 999_999], proc);
    // A plain directory stands in for the cgroup file system here: each write replaces the last.
    assert.match(readFileSync(path.join(root, 'reads', 'tasks'), 'utf8'), /^4[23]$/);
    assert.equal(readFileSync(path.join(root, 'reads', 'cpu.shares'), 'utf8'), '2048');
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(proc, { recursive: true, force: true });
  }
});
