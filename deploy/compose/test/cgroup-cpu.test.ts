import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import http from 'node:http';
import {
  containerCpuSeconds,
  cpuBetween,
  engineCpuSeconds,
  parseCpuStat,
  readContainerCpu,
  readCpu,
} from '../src/cgroup-cpu.js';

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

  it("asks the engine's stats API for containers whose cgroups are not visible here", async () => {
    // A stand-in for the engine's socket: the stats of one known container.
    const socketPath = path.join(root, 'engine.sock');
    const asked: string[] = [];
    const engine = http.createServer((request, response) => {
      asked.push(request.url ?? '');
      if (request.url?.startsWith('/containers/eee/stats?')) {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ cpu_stats: { cpu_usage: { total_usage: 4_500_000_000 } } }));
      } else {
        response.statusCode = 404;
        response.end('{"message":"No such container"}');
      }
    });
    await new Promise<void>((resolve) => engine.listen(socketPath, resolve));
    try {
      write('cpuacct/docker/fff/cpuacct.usage', '2000000000\n');
      const reading = await readContainerCpu(['eee', 'fff', 'nope'], { cgroupRoot: root, socketPath });
      assert.deepEqual([...reading.byContainer].sort(), [
        ['eee', 4.5],
        ['fff', 2],
      ]);
      assert.ok(!asked.some((url) => url.includes('fff')), 'a visible cgroup is read, not asked for');
      assert.equal(await engineCpuSeconds('eee', path.join(root, 'absent.sock')), undefined);
    } finally {
      engine.close();
    }
  });
});
