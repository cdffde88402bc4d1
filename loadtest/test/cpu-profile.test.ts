import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  frameLabel,
  packageOf,
  pidOfProfileFile,
  summarizeProfiles,
  type CpuProfile,
} from '../src/cpu-profile.js';
import { profileReadme } from '../src/profile.js';

const ROOT = 'file:///work/main';

test('a frame belongs to a package, Node core, a project package or V8 itself', () => {
  assert.equal(packageOf(`${ROOT}/node_modules/kafkajs/src/producer/sendMessages.js`, 'send'), 'kafkajs');
  assert.equal(packageOf(`${ROOT}/node_modules/@opentelemetry/api/build/x.js`, 'f'), '@opentelemetry/api');
  assert.equal(packageOf(`${ROOT}/node_modules/express/node_modules/debug/src/x.js`, 'f'), 'debug');
  assert.equal(packageOf('node:internal/streams/writable', 'write'), 'node core');
  assert.equal(
    packageOf(`${ROOT}/packages/contract/dist/purchase-event.js`, 'encode'),
    '@tillstream/contract',
  );
  assert.equal(packageOf(`${ROOT}/services/purchase/dist/http.js`, 'handle'), 'purchase service');
  assert.equal(packageOf('', '(garbage collector)'), 'garbage collector');
  assert.equal(packageOf('', '(program)'), 'V8 and native code');
  assert.equal(
    frameLabel(`${ROOT}/services/purchase/dist/domain/batcher.js`, 'submit', 41),
    'submit services/purchase/dist/domain/batcher.js:42',
  );
  assert.equal(frameLabel(`${ROOT}/node_modules/pg/lib/client.js`, '', 9), '(anonymous) pg/lib/client.js:10');
});

test('self time by package and function over several profiles, as shares of the busy time', () => {
  const profile = (samples: number[], deltasUs: number[]): CpuProfile => ({
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      {
        id: 3,
        callFrame: { functionName: 'encode', url: `${ROOT}/node_modules/kafkajs/a.js`, lineNumber: 0 },
      },
      {
        id: 4,
        callFrame: { functionName: 'route', url: `${ROOT}/services/purchase/dist/http.js`, lineNumber: 4 },
      },
      { id: 5, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
    ],
    samples,
    timeDeltas: deltasUs,
  });
  // Worker 1: 3 ms kafkajs, 1 ms route, 4 ms idle; worker 2: 2 ms GC, 2 ms route.
  const summary = summarizeProfiles([
    profile([3, 3, 4, 2, 3, 2], [1000, 1000, 1000, 2000, 1000, 2000]),
    profile([5, 4, 4], [2000, 1000, 1000]),
  ]);
  assert.equal(summary.sampledMs, 12);
  assert.equal(summary.busyMs, 8);
  assert.deepEqual(
    summary.packages.map((p) => [p.name, p.ms, p.share]),
    [
      ['kafkajs', 3, 0.375],
      ['purchase service', 3, 0.375],
      ['garbage collector', 2, 0.25],
    ],
  );
  assert.deepEqual(
    summary.functions.map((f) => [f.name, f.ms]),
    [
      ['encode kafkajs/a.js:1', 3],
      ['route services/purchase/dist/http.js:5', 3],
      ['(garbage collector)', 2],
    ],
  );
  assert.equal(pidOfProfileFile('CPU.20261202.071500.12345.0.001.cpuprofile'), 12345);
  assert.equal(pidOfProfileFile('heap.heapprofile'), undefined);
  const readme = profileReadme('# header', '1.000 ms/purchase: purchase 0.500', {
    purchase: { ...summary, files: ['purchase-1.cpuprofile.gz'] },
  });
  assert.match(readme, /\| kafkajs \| 0\.0 \| 37\.5 % \|/);
  assert.match(readme, /\| `encode kafkajs\/a\.js:1` \| 0\.0 \| 37\.5 % \|/);
  assert.match(readme, /\[purchase-1\.cpuprofile\.gz\]\(purchase-1\.cpuprofile\.gz\)/);
});
