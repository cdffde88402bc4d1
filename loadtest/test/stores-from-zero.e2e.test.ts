// STORES_FROM=0 through the real pipeline: on empty shards the automatic store-id base is 0, so the Node
// runner sends stores 0 … STORES-1 (customers from 0) as the course's Java clients number them, and the
// ledger equals the shards and the Store API after the drain. The next run's automatic base is above
// store 0's range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLoadConfig } from '../src/config.js';
import { drainAndVerify, useIsolatedPipeline } from './support/pipeline.js';
import { Ledger } from '../src/ledger.js';
import { DEFAULT_RETRY_POLICY } from '../src/retry-policy.js';
import { freshStoreIdBase } from '../src/run.js';
import { LoadRun } from '../src/runner.js';
import { makeProfile, purchaseOf, storeIdOf, totalPurchases } from '../src/workload.js';

const fixture = useIsolatedPipeline();

test('STORES_FROM=0 on empty shards sends stores 0…n-1, each purchase counted exactly once', async () => {
  const { pipeline, shards } = fixture;
  const config = loadLoadConfig({
    STORES_FROM: '0',
    STORES: '8',
    PURCHASES_PER_HOUR: '4',
    HOURS: '3',
    MAX_ITEM_ID: '20',
    ITEMS_PER_PURCHASE: '3',
  });
  assert.equal(config.storeIdBase, undefined, 'STORE_ID_BASE=auto');
  const base = freshStoreIdBase(await shards.maxStoreId());
  assert.equal(base, 0, 'empty shards: the automatic base is 0');
  const profile = makeProfile({ ...config.profile, storeIdBase: base });
  const storeIds = Array.from({ length: profile.stores }, (_, i) => storeIdOf(profile, i));
  assert.deepEqual(storeIds, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(
    Array.from({ length: 12 }, (_, s) => purchaseOf(profile, 0, s).customerId).every(
      (c) => c >= 0 && c < 1000,
    ),
    "store 0's customers are 0…999",
  );

  const ledger = new Ledger(profile.maxItemId);
  const result = await new LoadRun({
    profile,
    targetUrl: pipeline.targets.purchaseUrl,
    runId: 'from-zero',
    retry: DEFAULT_RETRY_POLICY,
    requestTimeoutMs: 30_000,
    headers: { authorization: `Bearer ${pipeline.targets.apiKey}` },
    ledger,
  }).run();
  assert.equal(result.purchases.ok, totalPurchases(profile));
  assert.equal(result.purchases.failed, 0);
  assert.equal(ledger.purchases(0), 12);

  const { drain, report } = await drainAndVerify(fixture, ledger, storeIds, 60_000);
  assert.ok(drain.drained, JSON.stringify(drain));
  assert.ok(report.ok, JSON.stringify(report, null, 2));
  assert.equal(report.storeApi?.checked, 8);

  assert.equal(await shards.maxStoreId(), 7);
  assert.equal(freshStoreIdBase(await shards.maxStoreId()), 1000, 'the next run starts above these stores');
});
