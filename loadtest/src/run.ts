/**
 * One recorded run: load (with live progress and lag sampling), drain, verification, files under
 * results/. Shared by the CLI, the demo and the experiment.
 */
import { cpuBreakdown, sampleStack } from './component-cpu.js';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { changedSettings, type LoadConfig } from './config.js';
import { startLagSampler } from './consumer-lag.js';
import { freshnessBetween, readFreshness, type Freshness } from './freshness.js';
import { Ledger } from './ledger.js';
import { startProgress } from './progress.js';
import { CsvRecorder } from './records.js';
import { reproduceCommand, startProvenance } from './provenance.js';
import { machineInfo, prepareRunDirectory, runDirectory, writeRunFiles, type RunSummary } from './results.js';
import { LoadRun } from './runner.js';
import { ShardReader } from './shards.js';
import type { Targets } from './targets.js';
import { verifyRun, waitForDrain } from './verify.js';
import { startVisibilityProbe, type Visibility, type VisibilityProbe } from './visibility.js';
import { makeProfile, storeIdOf, type WorkloadProfile } from './workload.js';

export interface ExecuteOptions {
  readonly config: LoadConfig;
  readonly targets: Targets;
  readonly scenario: string;
  /** Overrides config.profile.stores (the experiment's client counts). */
  readonly clients?: number;
  /** Overrides config.resultsDir (relative paths are resolved against repoRoot). */
  readonly repoRoot: string;
  /** How to reproduce the run: its make target and what a bare invocation of it would use. */
  readonly reproduce: {
    readonly target: string;
    readonly baseline: LoadConfig;
    /** The variable that sets the client count: CLIENTS (experiment, compare) or STORES. */
    readonly clientsVariable: 'CLIENTS' | 'STORES';
    /** Variables the target itself takes (e.g. MODES), placed first. */
    readonly extra?: Readonly<Record<string, string>>;
  };
  /** The native stack's STACK_DIR, whose processes' CPU the run records by component. */
  readonly stackDir?: string;
  /** Appended to the run directory's name (e.g. `r2` for a repetition). */
  readonly label?: string;
  /** Ends the load early: each client finishes the purchase it is sending and starts no other. */
  readonly stopSignal?: AbortSignal;
  readonly out?: NodeJS.WriteStream;
  readonly log?: (line: string) => void;
}

/**
 * The first store id above every id already on the shards, rounded up to a thousand; 0 when the
 * shards hold no store (undefined — store 0 is a store, so a maximum of 0 means "taken").
 */
export function freshStoreIdBase(maxStoreIdOnShards: number | undefined): number {
  return maxStoreIdOnShards === undefined ? 0 : Math.ceil((maxStoreIdOnShards + 1) / 1000) * 1000;
}

export async function executeRun(options: ExecuteOptions): Promise<{ summary: RunSummary; dir: string }> {
  const { config, targets, scenario } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const resultsDir = path.resolve(options.repoRoot, config.resultsDir);
  // Before anything runs: the commit the run measures, and no run from a dirty tree into results/.
  const provenance = startProvenance(options.repoRoot, resultsDir, config.allowDirty);
  const shards = targets.shardUrls.length > 0 ? new ShardReader(targets.shardUrls) : undefined;
  try {
    const storeIdBase = config.storeIdBase ?? (shards ? freshStoreIdBase(await shards.maxStoreId()) : 0);
    const profile: WorkloadProfile = makeProfile({
      ...config.profile,
      stores: options.clients ?? config.profile.stores,
      storeIdBase,
    });
    const dir = runDirectory(resultsDir, scenario, profile.stores, new Date(), options.label);
    prepareRunDirectory(dir);
    const runId = randomBytes(6).toString('hex');
    const machine = machineInfo();
    const ledger = new Ledger(profile.maxItemId);
    const recorder = new CsvRecorder(path.join(dir, 'requests.csv'));
    const lagSampler = targets.consumerMetricsUrl
      ? startLagSampler(targets.consumerMetricsUrl, config.lagSampleIntervalMs)
      : undefined;
    log(
      `${scenario}: ${profile.stores} clients, stores ${storeIdOf(profile, 0)}…${storeIdOf(profile, profile.stores - 1)}, ` +
        `${profile.hours}×${profile.purchasesPerHour} purchases each → ${options.targets.purchaseUrl}`,
    );
    const run = new LoadRun({
      profile,
      targetUrl: targets.purchaseUrl,
      runId,
      retry: config.retry,
      requestTimeoutMs: config.requestTimeoutMs,
      ...(targets.apiKey ? { headers: { authorization: `Bearer ${targets.apiKey}` } } : {}),
      ledger,
      record: (r) => recorder.write(r),
      ...(options.stopSignal ? { stopSignal: options.stopSignal } : {}),
    });
    const progress = startProgress(() => run.snapshot(), options.out ?? process.stdout, {
      plainIntervalMs: config.progressIntervalMs,
    });
    const cpuBefore = options.stackDir ? sampleStack(options.stackDir) : undefined;
    const freshnessBefore = targets.consumerMetricsUrl
      ? await readFreshness(targets.consumerMetricsUrl)
      : undefined;
    // The probe has the store after the run's range (fresh like the range) and enters the run's ledger.
    const probeStoreId = storeIdOf(profile, profile.stores);
    const probe: VisibilityProbe | undefined =
      targets.storeUrl && config.visibilityIntervalMs > 0
        ? await startVisibilityProbe({
            purchaseUrl: targets.purchaseUrl,
            storeUrl: targets.storeUrl,
            storeId: probeStoreId,
            itemId: 1,
            date: profile.date,
            runId,
            intervalMs: config.visibilityIntervalMs,
            pollMs: config.visibilityPollMs,
            ...(targets.apiKey ? { headers: { authorization: `Bearer ${targets.apiKey}` } } : {}),
            onAcknowledged: (storeId, items) => ledger.add(storeId, items),
            retry: config.retry,
          })
        : undefined;
    const load = await run.run();
    progress.stop();
    // Every probe purchase sent during the load is seen within the drain's time, or counted as not seen.
    const visibility: Visibility | undefined = await probe?.stop(config.drainTimeoutMs);
    const recordsFile = await recorder.finish(config.gzipAboveBytes);

    let drain: RunSummary['drain'] = null;
    let verify: RunSummary['verify'] = null;
    let freshness: Freshness | undefined;
    const storeIds = Array.from({ length: profile.stores + (probe ? 1 : 0) }, (_, i) =>
      storeIdOf(profile, i),
    );
    if (config.verify && shards) {
      log('waiting for the consumer to drain…');
      drain = await waitForDrain({
        shards,
        fromStore: storeIds[0]!,
        toStore: storeIds.at(-1)!,
        expectedQuantity: storeIds.reduce((sum, id) => sum + ledger.total(id), 0),
        ...(targets.consumerMetricsUrl ? { consumerMetricsUrl: targets.consumerMetricsUrl } : {}),
        timeoutMs: config.drainTimeoutMs,
      });
      // Every purchase of the run is committed now: the histogram's difference holds them all.
      const freshnessAfter =
        freshnessBefore && drain.drained && targets.consumerMetricsUrl
          ? await readFreshness(targets.consumerMetricsUrl)
          : undefined;
      if (freshnessBefore && freshnessAfter) freshness = freshnessBetween(freshnessBefore, freshnessAfter);
      log(`verifying the ledger against the shards${targets.storeUrl ? ' and the Store API' : ''}…`);
      verify = await verifyRun({
        ledger,
        storeIds,
        shards,
        topology: targets.topology,
        ...(targets.storeUrl ? { storeApiUrl: targets.storeUrl } : {}),
      });
    }
    const cpuAfter = options.stackDir ? sampleStack(options.stackDir) : undefined;
    const cpu = cpuBefore && cpuAfter ? cpuBreakdown(cpuBefore, cpuAfter, load.purchases.ok) : undefined;
    const lag = (await lagSampler?.stop()) ?? [];
    const { reproduce } = options;
    const summary: RunSummary = {
      scenario,
      clients: profile.stores,
      runId,
      command: reproduceCommand(reproduce.target, {
        ...reproduce.extra,
        [reproduce.clientsVariable]: profile.stores,
        ...changedSettings(config, reproduce.baseline),
      }),
      ...provenance,
      machine,
      profile,
      retry: config.retry,
      targets: {
        purchaseUrl: targets.purchaseUrl,
        ...(targets.storeUrl ? { storeUrl: targets.storeUrl } : {}),
        shards: targets.shardUrls.length,
        partitions: targets.topology.partitionCount,
      },
      load,
      drain,
      verify,
      lag: {
        samples: lag.length,
        max: Math.max(0, ...lag.map((s) => s.lag)),
        intervalMs: config.lagSampleIntervalMs,
      },
      files: { records: path.basename(recordsFile), lag: 'lag.csv' },
      invariantsHold: load.purchases.failed === 0 && (verify?.ok ?? false) && (drain?.drained ?? false),
      ...(cpu ? { cpu } : {}),
      ...(freshness ? { freshness } : {}),
      ...(visibility ? { visibility } : {}),
    };
    writeRunFiles(dir, summary, lag);
    return { summary, dir };
  } finally {
    await shards?.close();
  }
}
