import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { containerCpuSeconds, cpuBetween, parseCpuStat, readCpu } from '../src/cgroup-cpu.js';

describe('container CPU from cgroups', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cgroup-'));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  it('reads cgroup v1 cpuacct.usage (ns) and cgroup v2 cpu.stat usage_usec', () => {
    write('cpuacct/docker/aaa/cpuacct.usage', '2500000000\n');
    write('docker/bbb/cpu.stat', 'usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n');
    write('system.slice/docker-ccc.scope/cpu.stat', 'usage_usec 250000\n');
    assert.equal(containerCpuSeconds('aaa', root), 2.5);
    assert.equal(containerCpuSeconds('bbb', root), 1.5);
    assert.equal(containerCpuSeconds('ccc', root), 0.25);
    assert.equal(containerCpuSeconds('missing', root), undefined);
    assert.equal(parseCpuStat('user_usec 3\n'), undefined);
  });

  it('sums the CPU used between two readings per group, leaving out restarted or vanished containers', () => {
    const before = {
      byContainer: new Map([
        ['a', 1],
        ['b', 2],
        ['c', 5],
        ['gone', 1],
      ]),
    };
    const after = {
      byContainer: new Map([
        ['a', 3],
        ['b', 2.5],
        ['c', 1],
        ['new', 4],
      ]),
    };
    const group = (id: string) => (id === 'a' || id === 'b' ? 'purchase' : 'kafka-1');
    const result = cpuBetween(before, after, group);
    assert.deepEqual(result.byGroup, { purchase: 2.5 });
    assert.equal(result.total, 2.5);
    assert.deepEqual(result.unmeasured.sort(), ['c', 'gone', 'new']);
  });

  it('reads the containers it can and skips the rest', () => {
    write('cpuacct/docker/ddd/cpuacct.usage', '1000000000\n');
    assert.deepEqual([...readCpu(['ddd', 'nope'], root).byContainer], [['ddd', 1]]);
  });
});
