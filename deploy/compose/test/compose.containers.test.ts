// The compose tier of `make test` (run when a Docker engine answers, after `make images`): the committed
// docker-compose.yml under load through its published 127.0.0.1 ports, on its own project and free ports,
// with the load runner's ledger checks, Prometheus' targets, a misconfigured store that must be caught,
// and `docker kill` of a broker, a consumer and a purchase container under load. Records go to a temp
// dir; `make compose-test` is the recorded variant (results/compose/).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@tillstream/stack/harness';
import { composeProject, generatedEnvFile } from '../src/compose-stack.js';
import { runComposeTier, type ComposeTierReport } from '../src/compose-tier.js';
import { engineAnswers } from '../src/docker.js';

const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-compose-tier-'));
after(() => rmSync(resultsDir, { recursive: true, force: true }));

describe('docker-compose.yml in containers, under load', { timeout: 30 * 60_000 }, () => {
  let report: ComposeTierReport;

  before(async () => {
    assert.ok(await engineAnswers(), 'no Docker engine answers (bash deploy/docker/engine.sh start)');
    const project = await composeProject(
      'tillstream-test',
      {
        PURCHASE_PORT: String(await freePort()),
        STORE_PORT: String(await freePort()),
        PROMETHEUS_PORT: String(await freePort()),
        GRAFANA_PORT: String(await freePort()),
      },
      generatedEnvFile(resultsDir),
    );
    report = await runComposeTier({
      project,
      resultsDir,
      allowDirty: true,
      clean: { stores: 64, purchasesPerHour: 10, hours: 9 },
      faults: {
        stores: 64,
        hours: 9,
        firstKillSeconds: 15,
        killEverySeconds: 20,
        maxAttempts: 10,
      },
      checkMisconfiguration: true,
      log: (line) => console.log(`# ${line}`),
    });
  });

  it('acknowledges every purchase, and the shards and the Store API equal the ledger', () => {
    const { summary } = report.clean;
    assert.equal(summary.load.purchases.failed, 0);
    assert.equal(summary.load.purchases.ok, summary.load.purchases.total);
    assert.ok(summary.drain?.drained, 'the consumer did not drain');
    assert.equal(summary.verify?.shards.ok, true, summary.verify?.shards.mismatches.join('\n'));
    assert.equal(summary.verify?.purchaseRows.ok, true, summary.verify?.purchaseRows.mismatches.join('\n'));
    assert.equal(summary.verify?.storeApi?.ok, true, summary.verify?.storeApi?.mismatches.join('\n'));
    assert.ok(report.clean.cpu.totalSeconds > 0, 'no container CPU was measured');
  });

  it('has every Prometheus scrape target up', () => {
    assert.equal(report.targetsBefore.ok, true, report.targetsBefore.problems.join('\n'));
  });

  it('fails the Store API check when the store reads the shards in the wrong order (SHARD_URLS swapped)', () => {
    assert.equal(report.misconfiguration?.wrongShardUrlsCaught, true);
    assert.equal(
      report.misconfiguration?.restoredOk,
      true,
      report.misconfiguration?.restoredProblems?.join('\n'),
    );
  });

  it('loses nothing and counts nothing twice when a broker, a consumer and a purchase container are killed under load', () => {
    const faults = report.faults!;
    assert.deepEqual(
      faults.kills.map((k) => k.service),
      ['kafka-2', 'consumer', 'purchase'],
    );
    assert.deepEqual(faults.lateOrMissed, [], 'every kill lands while the load runs');
    const { summary } = faults;
    assert.equal(summary.load.purchases.failed, 0, 'purchases failed after the client retries');
    assert.ok(summary.drain?.drained, 'the consumer did not drain');
    assert.equal(summary.verify?.shards.ok, true, summary.verify?.shards.mismatches.join('\n'));
    assert.equal(summary.verify?.purchaseRows.ok, true, summary.verify?.purchaseRows.mismatches.join('\n'));
    assert.equal(summary.verify?.storeApi?.ok, true, summary.verify?.storeApi?.mismatches.join('\n'));
    assert.equal(faults.targetsAfter.ok, true, faults.targetsAfter.problems.join('\n'));
  });

  it('leaves no container, network or volume after compose down', () => {
    assert.deepEqual(report.leftovers, []);
  });
});
