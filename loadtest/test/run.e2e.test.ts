// One recorded run through the real pipeline (built services on a fresh topic and fresh shard
// databases), written outside results/: the record names the commit the run started from, the tree's
// state with the diff's hash when it had changes, and a command that reproduces the run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadLoadConfig } from '../src/config.js';
import { startIsolatedPipeline, type IsolatedPipeline } from '../src/isolated.js';
import { REPO_ROOT } from '../src/paths.js';
import { treeState } from '../src/provenance.js';
import type { RunSummary } from '../src/results.js';
import { executeRun } from '../src/run.js';

let pipeline: IsolatedPipeline;
const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'recorded-run-'));

before(async () => {
  pipeline = await startIsolatedPipeline();
});
after(async () => {
  await pipeline?.remove();
  rmSync(resultsDir, { recursive: true, force: true });
});

test('a recorded run says which commit and tree produced it and how to reproduce it', async () => {
  const config = loadLoadConfig({
    STORES: '4',
    PURCHASES_PER_HOUR: '2',
    HOURS: '3',
    SCENARIO: 'recorded',
    RESULTS_DIR: resultsDir,
    VISIBILITY_INTERVAL_MS: '50',
  });
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const before = treeState(REPO_ROOT);
  const { summary, dir } = await executeRun({
    config,
    targets: pipeline.targets,
    scenario: config.scenario,
    repoRoot: REPO_ROOT,
    label: 'r1',
    reproduce: {
      target: 'node loadtest/dist/cli.js',
      baseline: loadLoadConfig({}),
      clientsVariable: 'STORES',
    },
    log: () => {},
  });
  assert.equal(path.basename(dir).replace(/^\d{4}-\d\d-\d\d-/, ''), 'recorded-4-r1');
  const written = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
  assert.deepEqual(written, JSON.parse(JSON.stringify(summary)));
  assert.ok(written.invariantsHold, JSON.stringify(written.verify));
  // The pipeline authenticates writes: every purchase was sent with its key, which no record holds.
  assert.ok(pipeline.targets.apiKey);
  assert.equal(summary.load.purchases.ok, 4 * 2 * 3);
  // The visibility probe saw each of its purchases in the Store API, and the ledger checks counted them.
  const visibility = written.visibility!;
  assert.ok(visibility.acknowledged >= 1, JSON.stringify(visibility));
  assert.equal(visibility.seen, visibility.acknowledged);
  assert.equal(visibility.failed, 0);
  assert.ok(visibility.p99Ms !== null && visibility.p99Ms >= 0);
  assert.equal(visibility.storeId, summary.profile.storeIdBase + 1 + 4);
  assert.equal(written.verify!.purchaseRows.checked, 5); // the four clients' stores and the probe's
  // Freshness covers exactly the run's and the probe's purchases: the pipeline's consumer committed nothing else.
  assert.equal(written.freshness?.count, summary.load.purchases.ok + visibility.acknowledged);
  const p99 = written.freshness!.p99S;
  assert.ok(p99 !== null && p99 <= 60, JSON.stringify(written.freshness));
  assert.ok(!readFileSync(path.join(dir, 'summary.json'), 'utf8').includes(pipeline.targets.apiKey));
  assert.equal(
    written.command,
    'STORES=4 SCENARIO=recorded PURCHASES_PER_HOUR=2 HOURS=3 VISIBILITY_INTERVAL_MS=50 node loadtest/dist/cli.js',
  );
  assert.equal(written.commit, head);
  assert.equal(written.commitDirty, before.commitDirty);
  if (before.commitDirty) assert.match(written.diffSha256!, /^[0-9a-f]{64}$/);
  else assert.equal(written.diffSha256, undefined);
});
