import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acknowledgedPerSecond, phasePlan } from '../../src/bench/store-latency.js';

const names = (replica: 'streaming' | 'connection' | 'none', tail: boolean, writers: boolean) =>
  phasePlan(replica, tail, writers).map((p) => p.name);

test('with writers: reads alone, then the write capacity, then reads under paced writes', () => {
  assert.deepEqual(names('none', false, true), ['reads-alone', 'write-capacity', 'under-writes']);
  const [alone, capacity, under] = phasePlan('none', false, true);
  assert.deepEqual(
    [alone, capacity, under].map((p) => [p!.reading, p!.writes]),
    [
      [true, 'none'],
      [false, 'closed'],
      [true, 'paced'],
    ],
  );
});

test('hedged phases only with replicas, tail ones unless --no-tail, under paced writes when there are writers', () => {
  assert.deepEqual(names('streaming', true, true), [
    'reads-alone',
    'write-capacity',
    'under-writes',
    'hedged',
    'tail-primary-only',
    'tail-hedged',
  ]);
  assert.ok(
    phasePlan('streaming', true, true)
      .slice(3)
      .every((p) => p.writes === 'paced' && p.reading),
  );
  assert.deepEqual(names('connection', false, false), ['reads-alone', 'hedged']);
  assert.deepEqual(names('none', true, false), ['reads-alone', 'tail-primary-only']);
  assert.ok(phasePlan('streaming', true, false).every((p) => p.writes === 'none'));
  assert.deepEqual(phasePlan('streaming', true, false).at(-1), {
    name: 'tail-hedged',
    hedged: true,
    tail: true,
    reading: true,
    writes: 'none',
  });
});

test('the write capacity counts 201s only, per second of the window', () => {
  const load = {
    seconds: 10,
    latency: {},
    statuses: {
      'POST /purchase 201': 15_000,
      'POST /purchase 503': 400,
      'POST /purchase error:ECONNRESET': 3,
    },
  };
  assert.equal(acknowledgedPerSecond(load), 1500);
});

test('the store-reads index shows only the flags a run adds to the shared ones', async () => {
  const { runFlags } = await import('../../src/bench/store-reads-report.js');
  const shared =
    'node loadtest/dist/bench/store-latency.js --reader-rate 2 --replica none --no-tail --warmup-s 10';
  assert.equal(runFlags(`${shared} --out results/bench/store-reads/baseline`), '(defaults)');
  assert.equal(
    runFlags(`${shared} --read-cpu-shares 262144 --pool-size 2 --out results/bench/store-reads/x`),
    '--read-cpu-shares 262144 --pool-size 2',
  );
  assert.equal(runFlags('node loadtest/dist/bench/store-latency.js --reader-rate 10'), '--reader-rate 10');
});

test("the store-reads index shows the probe's 201 → Store API under writes, and – for runs recorded before it", async () => {
  const { renderStoreReads } = await import('../../src/bench/store-reads-report.js');
  const phase = (name: string, visibility?: object) => ({
    name,
    readers: null,
    serverErrors: 0,
    offeredWritesPerSecond: 500,
    committedPerSecond: 510,
    cpu: { machineBusy: 0.9, cores: {} },
    ...(visibility ? { visibility } : {}),
  });
  const record = (visibility?: object) => ({
    command: 'node loadtest/dist/bench/store-latency.js --reader-rate 2 --out x',
    ...(visibility
      ? {
          stackSettings: {
            STACK_CPU_SHARES: 'consumer:8192',
            SHARD_PG_OPTIONS: 'shared_preload_libraries=pg_stat_statements',
          },
        }
      : {}),
    commit: '0123456789abcdef',
    dirty: false,
    bareRoute: { latency: null },
    phases: [phase('under-writes', visibility)],
  });
  const probed = { acknowledged: 81, seen: 80, p50Ms: 310.4, p99Ms: 702.6 };
  const index = renderStoreReads([
    { name: 'probed', record: record(probed) },
    { name: 'before', record: record() },
  ] as never);
  const row = (name: string) => index.split('\n').find((l) => l.startsWith(`| [${name}]`))!;
  assert.match(row('probed'), /\| `\(defaults\)`, stack `STACK_CPU_SHARES=consumer:8192` \|/);
  assert.doesNotMatch(row('before'), /stack/);
  assert.match(row('probed'), /\| 510 \| 310 \/ 703 \(80 of 81\) \| 90 % \|/);
  assert.match(row('before'), /\| 510 \| – \| 90 % \|/);
});
