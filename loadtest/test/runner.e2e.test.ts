// A short run of the Node runner through the real pipeline (built purchase, consumer and store
// services on a fresh topic and fresh shard databases): after the consumer drains, the ledger must
// equal the shards and the Store API exactly — and a ledger that is off by one item must not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drainAndVerify, useIsolatedPipeline } from './support/pipeline.js';
import { Ledger } from '../src/ledger.js';
import { DEFAULT_RETRY_POLICY } from '../src/retry-policy.js';
import { LoadRun } from '../src/runner.js';
import { verifyRun } from '../src/verify.js';
import { makeProfile, purchaseOf, storeIdOf, totalPurchases } from '../src/workload.js';

const fixture = useIsolatedPipeline();

test('the ledger of a phased run equals the shards and the Store API after the drain', async () => {
  const { pipeline, shards } = fixture;
  // Few items per store so top-10 ties are common and the tie order is exercised.
  const profile = makeProfile({ stores: 12, purchasesPerHour: 6, maxItemId: 40, itemsPerPurchase: 3 });
  const ledger = new Ledger(profile.maxItemId);
  const result = await new LoadRun({
    profile,
    targetUrl: pipeline.targets.purchaseUrl,
    runId: 'e2e',
    retry: DEFAULT_RETRY_POLICY,
    requestTimeoutMs: 30_000,
    headers: { authorization: `Bearer ${pipeline.targets.apiKey}` },
    ledger,
  }).run();
  assert.equal(result.purchases.ok, totalPurchases(profile));
  assert.equal(result.purchases.failed, 0);
  assert.deepEqual(
    result.phaseStarts.map((p) => p.name),
    ['east', 'central', 'west'],
  );

  const storeIds = Array.from({ length: profile.stores }, (_, i) => storeIdOf(profile, i));
  const { drain, report } = await drainAndVerify(fixture, ledger, storeIds, 60_000);
  assert.ok(drain.drained, JSON.stringify(drain));
  assert.ok(report.ok, JSON.stringify(report, null, 2));
  assert.equal(report.storeApi?.checked, profile.stores);
  assert.equal(report.purchaseRows.checked, profile.stores);

  // The same run with one extra acknowledged purchase in the ledger must be caught everywhere.
  const tampered = new Ledger(profile.maxItemId);
  for (let i = 0; i < profile.stores; i++) {
    for (let s = 0; s < profile.hours * profile.purchasesPerHour; s++) {
      tampered.add(storeIdOf(profile, i), purchaseOf(profile, i, s).items);
    }
  }
  const top = tampered.topItems(storeIds[0]!, 1)[0]!;
  tampered.add(storeIds[0]!, [{ itemId: top.itemId, quantity: 1 }]);
  const caught = await verifyRun({
    ledger: tampered,
    storeIds,
    shards,
    topology: pipeline.targets.topology,
    storeApiUrl: pipeline.targets.storeUrl!,
  });
  assert.equal(caught.ok, false);
  assert.equal(caught.shards.mismatchCount, 2); // the item total and the store total
  assert.equal(caught.purchaseRows.mismatchCount, 1);
  assert.equal(caught.storeApi?.mismatchCount, 1);
});
