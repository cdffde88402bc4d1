// loadtest/k6/purchases.js under the k6 shim (loadtest/src/k6-shim) against the built services on a
// fresh topic and fresh shard databases: it must pass its thresholds, and what it wrote must be exactly
// the purchases the shared workload module describes — the ledger the Node runner is checked against.
// Copies of the script that build a wrong URL or a wrong body must be caught. With a k6 of the user's
// own on PATH or in K6_BIN, the script also runs under it (`make k6`) against the same check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startIsolatedPipeline, type IsolatedPipeline } from '../src/isolated.js';
import { runK6Script, type K6ShimResult } from '../src/k6-shim/run.js';
import { Ledger } from '../src/ledger.js';
import { REPO_ROOT } from '../src/paths.js';
import { ShardReader } from '../src/shards.js';
import type { VerifyReport } from '../src/verify.js';
import { drainAndVerify } from './support/pipeline.js';
import {
  makeProfile,
  purchaseOf,
  purchasesPerStore,
  storeIdOf,
  type WorkloadProfile,
} from '../src/workload.js';

const SCRIPT = path.join(REPO_ROOT, 'loadtest', 'k6', 'purchases.js');
let pipeline: IsolatedPipeline;
const workdir = mkdtempSync(path.join(os.tmpdir(), 'k6-shim-e2e-'));

before(async () => {
  pipeline = await startIsolatedPipeline();
});
after(async () => {
  await pipeline?.remove();
  rmSync(workdir, { recursive: true, force: true });
});

function profileAt(storeIdBase: number): WorkloadProfile {
  return makeProfile({ stores: 8, purchasesPerHour: 4, hours: 9, storeIdBase });
}

function run(
  script: string,
  profile: WorkloadProfile,
  apiKey = pipeline.targets.apiKey,
): Promise<K6ShimResult> {
  return runK6Script({
    script,
    env: {
      PURCHASE_URL: pipeline.targets.purchaseUrl,
      ...(apiKey ? { API_KEY: apiKey } : {}),
      STORES: String(profile.stores),
      PURCHASES_PER_HOUR: String(profile.purchasesPerHour),
      HOURS: String(profile.hours),
      STORE_ID_BASE: String(profile.storeIdBase),
      P99_MS: '5000',
    },
  });
}

/** A copy of purchases.js with `from` replaced by `to` (which must occur), importing the real dist/. */
function mutated(name: string, from: string, to: string): string {
  const source = readFileSync(SCRIPT, 'utf8');
  assert.ok(source.includes(from), `purchases.js no longer contains ${from}`);
  const dist = pathToFileURL(path.join(REPO_ROOT, 'loadtest', 'dist')).href;
  const file = path.join(workdir, `${name}.mjs`);
  writeFileSync(file, source.replace(from, to).replaceAll("'../dist/", `'${dist}/`));
  return file;
}

/** Drain, then the Node runner's check: the workload's ledger against the shards and the Store API. */
async function verifyWorkload(profile: WorkloadProfile, drainTimeoutMs: number): Promise<VerifyReport> {
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
    const { drain, report } = await drainAndVerify({ pipeline, shards }, ledger, storeIds, drainTimeoutMs);
    return drain.drained ? report : { ...report, ok: false };
  } finally {
    await shards.close();
  }
}

test('purchases.js sends the shared workload, passes its thresholds, and the shards hold exactly it', async () => {
  const profile = profileAt(0);
  const result = await run(SCRIPT, profile);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.crossed, []);
  assert.equal(result.exitCode, 0);
  const metrics = result.summary.metrics;
  const total = profile.stores * purchasesPerStore(profile);
  assert.equal(metrics.purchases_acknowledged?.count, total);
  assert.equal(metrics.purchases_failed?.count ?? 0, 0);
  assert.equal(metrics.iterations?.count, total);
  assert.equal(metrics.http_req_failed?.value, 0);
  assert.deepEqual(Object.keys(metrics.http_req_failed?.thresholds ?? {}), ['rate<0.001']);
  assert.deepEqual(Object.keys(metrics.http_req_duration?.thresholds ?? {}), ['p(99)<5000']);

  const report = await verifyWorkload(profile, 60_000);
  assert.ok(report.ok, JSON.stringify(report, null, 2));
  assert.equal(report.storeApi?.checked, profile.stores);
});

test('the pipeline authenticates writes: without API_KEY every purchase is refused and the run fails', async () => {
  assert.ok(pipeline.targets.apiKey, 'the isolated pipeline runs the purchase service with a key');
  const profile = profileAt(4000);
  const result = await run(SCRIPT, { ...profile, stores: 2, hours: 1 }, '');
  assert.equal(result.exitCode, 99);
  assert.ok(result.crossed.includes('purchases_failed: count<1'), result.crossed.join('\n'));
  assert.equal(result.summary.metrics.purchases_acknowledged, undefined);
});

test('a script that builds a wrong URL fails its thresholds', async () => {
  const profile = profileAt(1000);
  const script = mutated(
    'wrong-url',
    '`${target}${purchasePath(purchase)}`',
    '`${target}${purchasePath(purchase)}x`',
  );
  const result = await run(script, profile);
  assert.equal(result.exitCode, 99);
  assert.ok(result.crossed.includes('purchases_failed: count<1'), result.crossed.join('\n'));
  assert.equal(result.summary.metrics.purchases_acknowledged, undefined);
});

test('a script that sends a wrong body is caught by the ledger check', async () => {
  const profile = profileAt(2000);
  // Still a valid purchase, so every request is acknowledged: only the shards can tell.
  const script = mutated(
    'wrong-body',
    'purchaseBody(purchase)',
    'purchaseBody({ ...purchase, items: purchase.items.slice(1) })',
  );
  const result = await run(script, profile);
  assert.equal(result.exitCode, 0);
  assert.equal(
    result.summary.metrics.purchases_acknowledged?.count,
    profile.stores * purchasesPerStore(profile),
  );
  // The shards never reach the ledger's quantity, so the drain wait ends at its timeout.
  const report = await verifyWorkload(profile, 10_000);
  assert.equal(report.ok, false);
  assert.ok(report.shards.mismatchCount > 0);
});

const K6_AVAILABLE = Boolean(process.env.K6_BIN) || spawnSync('sh', ['-c', 'command -v k6']).status === 0;

test(
  'under a real k6, purchases.js passes its thresholds and the shards hold exactly the workload',
  { skip: K6_AVAILABLE ? false : 'no k6 on PATH or in K6_BIN' },
  async () => {
    const profile = profileAt(3000);
    const run = spawnSync('bash', ['loadtest/k6/run.sh', '--quiet'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 600_000,
      env: {
        ...process.env,
        PURCHASE_URL: pipeline.targets.purchaseUrl,
        API_KEY: pipeline.targets.apiKey,
        STORES: String(profile.stores),
        PURCHASES_PER_HOUR: String(profile.purchasesPerHour),
        HOURS: String(profile.hours),
        STORE_ID_BASE: String(profile.storeIdBase),
        P99_MS: '5000',
        SUMMARY_FILE: path.join(workdir, 'k6-summary.json'),
      },
    });
    assert.equal(run.status, 0, `k6 failed:\n${run.stdout}\n${run.stderr}`);
    const report = await verifyWorkload(profile, 60_000);
    assert.ok(report.ok, JSON.stringify(report, null, 2));
  },
);
