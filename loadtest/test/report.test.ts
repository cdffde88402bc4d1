import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  cpuSection,
  freshnessSection,
  describeRecord,
  generateReport,
  latestRuns,
  loadRuns,
  reading,
  scenarioCommand,
  tableRow,
  type RecordedRun,
} from '../src/report.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeRun(name: string, clients: number, throughput: number, startedAt: string, ok = true) {
  const summary = {
    scenario: name.split('-')[3],
    clients,
    command: 'make experiment',
    commit: '0123456789abcdef',
    commitDirty: false,
    machine: { cpus: 2, cpuModel: 'x', totalMemoryGiB: 24, node: 'v20', loadAverageAtStart: 1 },
    profile: {
      hours: 9,
      purchasesPerHour: 300,
      itemsPerPurchase: 5,
      maxItemId: 100000,
      quantityPerItem: 1,
      customersPerStore: 1000,
      date: '20210101',
      seed: 1,
    },
    retry: { maxAttempts: 6 },
    targets: { partitions: 12, shards: 4 },
    load: {
      startedAt,
      wallMs: 1000,
      purchases: { ok: 100, failed: ok ? 0 : 1, total: 100 },
      attempts: { retries: 0 },
      throughputPerSecond: throughput,
      latency: { meanMs: clients / 10, medianMs: 1, p95Ms: 2, p99Ms: 3, maxMs: 4 },
      runnerCpu: { coresUsed: 0.2 },
    },
    drain: { drainMs: 1500 },
    lag: { max: clients * 2 },
    files: { lag: 'lag.csv' },
    invariantsHold: ok,
  };
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, 'summary.json'), JSON.stringify(summary));
  writeFileSync(path.join(dir, name, 'lag.csv'), 'tMs,lag\n0,0\n1000,5\n2000,0\n');
}

test('the report tables the latest run per scenario and clients, plots the experiment, reads the numbers', async () => {
  writeRun('2026-01-01-full-256', 256, 1000, '2026-01-01T10:00:00Z');
  writeRun('2026-01-02-full-256', 256, 1100, '2026-01-02T10:00:00Z');
  writeRun('2026-01-02-full-512', 512, 1200, '2026-01-02T11:00:00Z');
  writeRun('2026-01-02-demo-256', 256, 900, '2026-01-02T12:00:00Z', false);
  mkdirSync(path.join(dir, 'bench'));

  const latest = latestRuns(loadRuns(dir));
  assert.deepEqual(
    latest.map((r) => r.dir),
    ['2026-01-02-demo-256', '2026-01-02-full-256', '2026-01-02-full-512'],
  );
  const readme = await generateReport(dir);
  assert.match(readme, /## Scenario `full`: 256, 512 clients/);
  assert.match(readme, /\*\*1,100\*\*/);
  assert.doesNotMatch(readme.split('## Every recorded run')[0]!, /\*\*1,000\*\*/);
  assert.match(readme, /- \[bench\]\(bench\)/);
  for (const plot of ['full-throughput.svg', 'full-latency.svg', 'full-lag.svg']) {
    assert.match(readFileSync(path.join(dir, 'plots', plot), 'utf8'), /^<svg /);
  }
  const lines = reading(latest.filter((r) => r.summary.scenario === 'full'));
  assert.match(lines[0]!, /1,100 purchases\/s at 256 clients to 1,200 at 512/);
  assert.ok(lines.some((l) => l.startsWith('Invariants hold')));
  assert.ok(reading(latest).some((l) => l.includes('FAILED in: 2026-01-02-demo-256')));
});

test('the lines for directories beside the runs are generated from what those directories hold', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'records-'));
  try {
    for (const [sub, doc] of [
      ['purchase', 'latest.md'],
      ['store', 'README.md'],
      ['empty', undefined],
    ] as const) {
      mkdirSync(path.join(dir, 'bench', sub), { recursive: true });
      if (doc) writeFileSync(path.join(dir, 'bench', sub, doc), '#');
    }
    assert.equal(
      describeRecord(dir, 'bench'),
      '[bench](bench): `make bench`, the component benchmarks: [purchase](bench/purchase/latest.md), [store](bench/store/README.md)',
    );
    assert.match(describeRecord(dir, 'compare'), /^\[compare\]\(compare\/README\.md\)/);
    assert.equal(describeRecord(dir, 'other'), '[other](other)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a scenario's command names every plotted client count", () => {
  const run = (clients: number) =>
    ({ summary: { clients, command: `CLIENTS=${clients} SCENARIO=pph60 make experiment` } }) as RecordedRun;
  assert.equal(scenarioCommand([run(256), run(512)]), 'CLIENTS=256,512 SCENARIO=pph60 make experiment');
});

test('a run that recorded CPU by component shows its stack CPU per purchase and where it went', () => {
  const base = JSON.parse(
    readFileSync(path.join(dir, '2026-01-02-full-512', 'summary.json'), 'utf8'),
  ) as object;
  const cpu = {
    stack: { cpuSeconds: 1.5, msPerPurchase: 0.75 },
    components: {
      purchase: { cpuSeconds: 1, msPerPurchase: 0.5 },
      'kafka-1': { cpuSeconds: 0.5, msPerPurchase: 0.25 },
    },
  };
  const withCpu = { dir: 'with', summary: { ...base, cpu } } as unknown as RecordedRun;
  const without = { dir: 'without', summary: base } as unknown as RecordedRun;
  assert.match(tableRow(withCpu), /\| 0\.20 \| 0\.750 \| – \| 1,024 \|/);
  assert.match(tableRow(without), /\| 0\.20 \| – \| – \| 1,024 \|/);
  assert.deepEqual(cpuSection([without]), []);
  assert.match(
    cpuSection([withCpu, without]).join('\n'),
    /- \[with\]\(with\/\): 0\.750 ms\/purchase: purchase 0\.500, kafka-1 0\.250\n/,
  );
});

test('a calibrated run shows its stack CPU per purchase as a multiple of the bare route, and both ratios', () => {
  const base = JSON.parse(
    readFileSync(path.join(dir, '2026-01-02-full-512', 'summary.json'), 'utf8'),
  ) as object;
  const cpu = { stack: { cpuSeconds: 1.5, msPerPurchase: 0.75 }, components: {} };
  const calibration = {
    calibrator: {
      connections: 512,
      workers: 2,
      warmupMs: 2000,
      durationMs: 10_000,
      seconds: 10,
      created: 50_000,
      requestsPerSecond: 5000,
      serverCpuMsPerRequest: 0.25,
    },
    cpuOverBareRoute: 3,
    throughputOverBareRoute: 0.4,
  };
  const calibrated = { dir: 'cal', summary: { ...base, cpu, calibration } } as unknown as RecordedRun;
  const uncalibrated = { dir: 'plain', summary: { ...base, cpu } } as unknown as RecordedRun;
  assert.match(tableRow(calibrated), /\| 0\.750 \| 3\.00× \| 1,024 \|/);
  const section = cpuSection([calibrated, uncalibrated]).join('\n');
  assert.match(
    section,
    /- \[cal\]\(cal\/\): bare route 0\.250 ms\/request at 5,000 requests\/s \(2 workers, 512 clients, 10 s\); stack CPU per purchase 3\.00×, throughput 0\.40×/,
  );
  assert.doesNotMatch(section, /\[plain\]\(plain\/\): bare route/);
  assert.doesNotMatch(cpuSection([uncalibrated]).join('\n'), /bare route/);
});

test('a run that recorded freshness lists its quantiles; runs without it are left out', () => {
  const base = JSON.parse(
    readFileSync(path.join(dir, '2026-01-02-full-512', 'summary.json'), 'utf8'),
  ) as object;
  const freshness = { count: 1000, p50S: 0.05, p95S: 0.1, p99S: 0.25 };
  const fresh = { dir: 'fresh', summary: { ...base, freshness } } as unknown as RecordedRun;
  const plain = { dir: 'plain', summary: base } as unknown as RecordedRun;
  assert.deepEqual(freshnessSection([plain]), []);
  const section = freshnessSection([fresh, plain]).join('\n');
  assert.match(
    section,
    /- \[fresh\]\(fresh\/\): p50 ≤ 0\.05 s, p95 ≤ 0\.1 s, p99 ≤ 0\.25 s \(1,000 purchases/,
  );
  assert.doesNotMatch(section, /\[plain\]/);
  assert.doesNotMatch(section, /Visibility/);
});

test("a run that recorded visibility lists the probe's quantiles under their own heading", () => {
  const base = JSON.parse(
    readFileSync(path.join(dir, '2026-01-02-full-512', 'summary.json'), 'utf8'),
  ) as object;
  const visibility = {
    acknowledged: 40,
    seen: 40,
    failed: 0,
    p50Ms: 210,
    p95Ms: 480,
    p99Ms: 655.5,
    maxMs: 700,
    intervalMs: 250,
    pollMs: 20,
    storeId: 9,
  };
  const probed = { dir: 'probed', summary: { ...base, visibility } } as unknown as RecordedRun;
  const plain = { dir: 'plain', summary: base } as unknown as RecordedRun;
  assert.deepEqual(freshnessSection([plain]), []);
  const section = freshnessSection([plain, probed]).join('\n');
  assert.match(section, /^Visibility — a purchase's 201 to its effect in the Store API/m);
  assert.match(
    section,
    /- \[probed\]\(probed\/\): p50 210 ms, p95 480 ms, p99 655\.5 ms, max 700 ms \(40 probe purchases/,
  );
  assert.doesNotMatch(section, /\[plain\]|^Freshness/m);
});
