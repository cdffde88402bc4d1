import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CpuGroup, parentShares } from '../src/cpu-group.js';

const cgroupOf = (pid: number, tid = pid) => readFileSync(`/proc/${pid}/task/${tid}/cgroup`, 'utf8');
const real = CpuGroup.available() && process.getuid?.() === 0;

test(
  'a group with its weight: one thread by tid, a whole process and its later children, back to the root on close',
  { skip: !real && 'needs root and the cgroup v1 cpu controller' },
  async () => {
    const name = `tillstream-test-${process.pid}`;
    const group = CpuGroup.create(name, 4096);
    // A shell that starts a child after a moment, once it is in the group itself.
    const shell = spawn('sh', ['-c', 'sleep 0.3; sleep 5 & echo $!; wait'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      assert.equal(group.shares, 4096);
      group.addThreads([process.pid]); // this process's main thread only
      assert.match(cgroupOf(process.pid), new RegExp(`cpu[^\\n]*:/${name}`));
      group.addProcess(shell.pid!);
      const child = Number(
        await new Promise<string>((resolve) =>
          shell.stdout.once('data', (d: Buffer) => resolve(d.toString())),
        ),
      );
      assert.match(
        cgroupOf(child),
        new RegExp(`cpu[^\\n]*:/${name}`),
        'a child started later is born in the group',
      );
      assert.ok(group.threads().includes(shell.pid!) && group.threads().includes(child));
    } finally {
      shell.kill('SIGKILL');
      await new Promise((resolve) => shell.once('exit', resolve));
      group.close();
    }
    assert.ok(!existsSync(group.dir));
    assert.doesNotMatch(cgroupOf(process.pid), new RegExp(name));
  },
);

test('weights outside what the kernel accepts are refused before anything is made', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cpu-cgroup-'));
  try {
    writeFileSync(path.join(root, 'tasks'), '');
    assert.throws(() => CpuGroup.create('reads', 1, root), RangeError);
    assert.throws(() => CpuGroup.create('reads', 262_145, root), RangeError);
    assert.throws(() => CpuGroup.create('reads', 1.5, root), RangeError);
    assert.ok(!existsSync(path.join(root, 'reads')));
    assert.throws(
      () => CpuGroup.create('reads', 1024, path.join(root, 'none')),
      /no cgroup v1 cpu controller/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a parent group weighs what its groups weigh together, within the kernel's range", () => {
  // consumer:8192 under a parent of 1024 would weigh, against a process outside any group, 1024 at most.
  assert.equal(parentShares({ consumer: 8192, 'kafka-1': 4096, 'shard-0': 2048 }), 14_336);
  assert.equal(parentShares({ store: 262_144, consumer: 8192 }), 262_144);
  assert.equal(parentShares({}), 2);
});

test('processes that exited meanwhile are skipped when moving process trees', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cpu-cgroup-'));
  const proc = mkdtempSync(path.join(os.tmpdir(), 'proc-'));
  try {
    writeFileSync(path.join(root, 'tasks'), '');
    const group = CpuGroup.create('reads', 2048, root);
    mkdirSync(path.join(proc, '42', 'task', '42'), { recursive: true });
    group.addProcessTrees([999_999, 42], proc);
    // A plain directory stands in for the cgroup file system: the last write is what it holds.
    assert.equal(readFileSync(path.join(root, 'reads', 'tasks'), 'utf8'), '42');
    assert.equal(readFileSync(path.join(root, 'reads', 'cpu.shares'), 'utf8'), '2048');
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(proc, { recursive: true, force: true });
  }
});

test('STACK_CPU_SHARES: name:shares pairs over the processes the stack runs', async () => {
  const { loadStackSettings } = await import('../src/settings.js');
  assert.deepEqual(loadStackSettings({}).cpuShares, {});
  assert.deepEqual(
    loadStackSettings({ STACK_CPU_SHARES: 'consumer:8192,store:4096,shard-0:2048,kafka-1:512' }).cpuShares,
    {
      consumer: 8192,
      store: 4096,
      'shard-0': 2048,
      'kafka-1': 512,
    },
  );
  for (const bad of [
    'consumer',
    'consumer:',
    'consumer:8192,',
    'loadgen:1024',
    'consumer:1',
    'store:262145',
    'store:1e3',
  ])
    assert.throws(() => loadStackSettings({ STACK_CPU_SHARES: bad }), /STACK_CPU_SHARES/, bad);
});

test('the stack keeps the settings that shape a measurement as given, and only those set', async () => {
  const { loadStackSettings } = await import('../src/settings.js');
  const settings = loadStackSettings({
    STACK_CPU_SHARES: 'consumer:8192',
    SHARD_PG_OPTIONS: 'synchronous_commit=off',
    KAFKA_PORT: '19092',
  });
  assert.deepEqual(settings.shape, {
    SHARD_PG_OPTIONS: 'synchronous_commit=off',
    STACK_CPU_SHARES: 'consumer:8192',
  });
  assert.deepEqual(loadStackSettings({}).shape, {});
});

test('a supervised process joins its CPU group as soon as it is spawned', async () => {
  const { Supervised } = await import('../src/process.js');
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'supervised-'));
  const joined: number[] = [];
  let changes = 0;
  const proc = new Supervised(
    { name: 'sleeper', command: 'sleep', args: ['5'], cpuGroup: { addProcess: (pid) => joined.push(pid) } },
    logDir,
    () => undefined,
    () => (changes += 1),
  );
  try {
    proc.start();
    assert.deepEqual(joined, [proc.pid]);
    assert.ok(changes > 0);
  } finally {
    await proc.stop(1000);
    rmSync(logDir, { recursive: true, force: true });
  }
});
