// A short k6 smoke of loadtest/k6/purchases.js against the built services on a fresh topic and fresh
// shard databases: k6 must pass its thresholds, and what it wrote must be exactly the purchases the
// shared workload module describes (so the k6 script and the Node runner cannot drift).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startIsolatedPipeline, type IsolatedPipeline } from '../src/isolated.js';
import { Ledger } from '../src/ledger.js';
import { REPO_ROOT } from '../src/paths.js';
import { ShardReader } from '../src/shards.js';
import { verifyRun, waitForDrain } from '../src/verify.js';
import { makeProfile, purchaseOf, purchasesPerStore, storeIdOf } from '../src/workload.js';

let pipeline: IsolatedPipeline;
const workdir = mkdtempSync(path.join(os.tmpdir(), 'k6-smoke-'));

before(async () => {
  pipeline = await startIsolatedPipeline();
});
after(async () => {
  await pipeline?.remove();
  rmSync(workdir, { recursive: true, force: true });
});

interface K6Summary {
  metrics: Record<string, Record<string, unknown> & { thresholds?: Record<string, boolean> }>;
}

test('k6 sends the shared workload, passes its thresholds, and the shards hold exactly those purchases', async () => {
  const profile = makeProfile({ stores: 8, purchasesPerHour: 4, hours: 9 });
  const summaryFile = path.join(workdir, 'summary.json');
  const run = spawnSync('bash', ['loadtest/k6/run.sh', '--quiet'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 600_000,
    env: {
      ...process.env,
      PURCHASE_URL: pipeline.targets.purchaseUrl,
      STORES: String(profile.stores),
      PURCHASES_PER_HOUR: String(profile.purchasesPerHour),
      HOURS: String(profile.hours),
      SUMMARY_FILE: summaryFile,
      P99_MS: '5000',
    },
  });
  assert.equal(run.status, 0, `k6 failed:\n${run.stdout}\n${run.stderr}`);

  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as K6Summary;
  const total = profile.stores * purchasesPerStore(profile);
  assert.equal(summary.metrics.purchases_acknowledged?.count, total);
  assert.equal(summary.metrics.purchases_failed?.count ?? 0, 0, 'no purchase failed');
  assert.equal(summary.metrics.http_req_failed?.value, 0);
  assert.deepEqual(Object.keys(summary.metrics.http_req_failed?.thresholds ?? {}), ['rate<0.001']);
  assert.deepEqual(Object.keys(summary.metrics.http_req_duration?.thresholds ?? {}), ['p(99)<5000']);
  for (const [name, metric] of Object.entries(summary.metrics)) {
    for (const [threshold, crossed] of Object.entries(metric.thresholds ?? {})) {
      assert.equal(crossed, false, `${name} ${threshold} crossed`);
    }
  }
  // Phases start at iteration boundaries: central and west VUs only run after east has progressed.
  const iterations = summary.metrics.iterations?.count;
  assert.equal(iterations, total);

  const ledger = new Ledger(profile.maxItemId);
  const storeIds: number[] = [];
  for (let index = 0; index < profile.stores; index++) {
    storeIds.push(storeIdOf(profile, index));
    for (let sequence = 0; sequence < purchasesPerStore(profile); sequence++) {
      ledger.add(storeIdOf(profile, index), purchaseOf(profile, index, sequence).items);
    }
  }
  const shards = new ShardReader(pipeline.targets.shardUrls);
  try {
    const drain = await waitForDrain({
      shards,
      fromStore: storeIds[0]!,
      toStore: storeIds.at(-1)!,
      expectedQuantity: storeIds.reduce((sum, id) => sum + ledger.total(id), 0),
      consumerMetricsUrl: pipeline.targets.consumerMetricsUrl!,
      timeoutMs: 60_000,
    });
    assert.ok(drain.drained, `not drained: ${JSON.stringify(drain)}`);
    const report = await verifyRun({
      ledger,
      storeIds,
      shards,
      topology: pipeline.targets.topology,
      storeApiUrl: pipeline.targets.storeUrl!,
    });
    assert.ok(report.ok, JSON.stringify(report, null, 2));
  } finally {
    await shards.close();
  }
});
