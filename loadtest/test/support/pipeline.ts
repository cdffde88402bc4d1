/**
 * The fixture the loadtest e2e files share: an isolated pipeline (its own topic, shard databases and
 * services on the shared stack) for the file's tests, and the post-run check they all make.
 */
import { after, before } from 'node:test';
import { startIsolatedPipeline, type IsolatedPipeline } from '../../src/isolated.js';
import type { Ledger } from '../../src/ledger.js';
import { ShardReader } from '../../src/shards.js';
import { verifyRun, waitForDrain, type DrainResult, type VerifyReport } from '../../src/verify.js';

export interface PipelineFixture {
  readonly pipeline: IsolatedPipeline;
  readonly shards: ShardReader;
}

/** Starts the pipeline before the file's tests and removes it after them; the fields are set in `before`. */
export function useIsolatedPipeline(...options: Parameters<typeof startIsolatedPipeline>): PipelineFixture {
  const fixture = {} as { pipeline: IsolatedPipeline; shards: ShardReader };
  before(async () => {
    fixture.pipeline = await startIsolatedPipeline(...options);
    fixture.shards = new ShardReader(fixture.pipeline.targets.shardUrls);
  });
  after(async () => {
    await fixture.shards?.close();
    await fixture.pipeline?.remove();
  });
  return fixture;
}

/**
 * Waits until the shards hold everything the ledger acknowledged for `storeIds`, then compares the ledger
 * with the shards and the Store API. A drain that times out is returned as such, for the test to assert.
 */
export async function drainAndVerify(
  { pipeline, shards }: PipelineFixture,
  ledger: Ledger,
  storeIds: readonly number[],
  timeoutMs = 120_000,
): Promise<{ drain: DrainResult; report: VerifyReport }> {
  const drain = await waitForDrain({
    shards,
    fromStore: Math.min(...storeIds),
    toStore: Math.max(...storeIds),
    expectedQuantity: storeIds.reduce((sum, id) => sum + ledger.total(id), 0),
    consumerMetricsUrl: pipeline.targets.consumerMetricsUrl!,
    timeoutMs,
  });
  const report = await verifyRun({
    ledger,
    storeIds,
    shards,
    topology: pipeline.targets.topology,
    storeApiUrl: pipeline.targets.storeUrl!,
  });
  return { drain, report };
}
