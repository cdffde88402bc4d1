/**
 * One scenario end to end: a private stack, the timed load with the faults injected on schedule and
 * the consumer and Store API sampled, the drain, the checks, and results/chaos/<date>-<scenario>/.
 * The stack is always stopped, whatever fails.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { shardOfStore, type Topology } from '@tillstream/contract';
import { renderSvg } from '@tillstream/loadtest/plots';
import { startProvenance } from '@tillstream/loadtest/provenance';
import { machineInfo } from '@tillstream/loadtest/results';
import { ShardReader } from '@tillstream/loadtest/shards';
import { verifyRun, waitForDrain } from '@tillstream/loadtest/verify';
import { storeIdOf } from '@tillstream/loadtest/workload';
import { netnsAvailable, readStackApiKey, REPO_ROOT } from '@tillstream/stack';
import { ChaosStack, netnsInUse } from './chaos-stack.js';
import type { ChaosConfig } from './config.js';
import { injectFault, type FaultRecord } from './faults.js';
import { runTimedLoad, type LoadOutcome } from './load.js';
import { timelineSpec } from './plot.js';
import { apiKeyIdOf, checkPurchaseIds, purchaseIdsOfClient } from './purchase-ids.js';
import type { Scenario } from './scenarios.js';
import { startConsumerSampler, startStoreReader } from './samplers.js';
import { purchaseIdsOnShards } from './shard-ids.js';
import {
  evaluateInvariants,
  faultResults,
  readStats,
  timelineCsv,
  worstRecovery,
  type ChaosSummary,
} from './summary.js';

export interface ScenarioResult {
  readonly summary: ChaosSummary;
  readonly dir: string;
}

export function chaosDirectory(resultsDir: string, scenario: string, date: Date): string {
  return path.join(resultsDir, 'chaos', `${date.toISOString().slice(0, 10)}-${scenario}`);
}

/** Which network the scenario's Kafka nodes get, and why (recorded in summary.json). */
export function chooseNetwork(
  requested: ChaosConfig['kafkaNetwork'],
  available: boolean,
  busy: string | undefined,
): { network: 'netns' | 'loopback'; reason: string } {
  if (requested === 'loopback') return { network: 'loopback', reason: 'CHAOS_KAFKA_NETWORK=loopback' };
  if (requested === 'netns') {
    if (!available) throw new Error('CHAOS_KAFKA_NETWORK=netns needs Linux, root and iproute2');
    if (busy) throw new Error(`CHAOS_KAFKA_NETWORK=netns: ${busy}`);
    return { network: 'netns', reason: 'CHAOS_KAFKA_NETWORK=netns' };
  }
  if (!available)
    return { network: 'loopback', reason: 'network namespaces unavailable (needs Linux, root, iproute2)' };
  if (busy) return { network: 'loopback', reason: `network namespaces busy: ${busy}` };
  return { network: 'netns', reason: 'network namespaces available' };
}

function expectedIds(load: LoadOutcome, topology: Topology, apiKeyId: string): Map<string, number> {
  const expected = new Map<string, number>();
  for (const round of load.rounds) {
    for (let i = 0; i < round.profile.stores; i++) {
      const storeId = storeIdOf(round.profile, i);
      const owner = shardOfStore(storeId, topology);
      for (const id of purchaseIdsOfClient(
        round.profile,
        round.runId,
        storeId,
        i,
        load.ledger.purchases(storeId),
        apiKeyId,
      )) {
        expected.set(id, owner);
      }
    }
  }
  return expected;
}

export async function runScenario(
  scenario: Scenario,
  config: ChaosConfig,
  options: { readonly command: string; readonly log: (line: string) => void; readonly portBase?: number },
): Promise<ScenarioResult> {
  const log = (line: string) => options.log(`[${scenario.name}] ${line}`);
  const { network, reason } = chooseNetwork(config.kafkaNetwork, netnsAvailable(), netnsInUse());
  const cutMethod = network === 'netns' ? 'netns' : 'sigstop';
  const startedAt = new Date();
  const provenance = startProvenance(
    REPO_ROOT,
    path.resolve(REPO_ROOT, config.resultsDir),
    config.allowDirty,
  );
  const machine = machineInfo();
  const stack = await ChaosStack.start(
    {
      name: scenario.name,
      portBase: options.portBase ?? config.portBase,
      kafkaNetwork: network,
      ...(scenario.faketime ? { faketime: scenario.faketime } : {}),
      shards: config.shards,
      purchaseWorkers: config.workers,
      storeWorkers: config.workers,
      partitions: config.partitions,
    },
    log,
  );
  try {
    const state = await stack.state();
    const purchaseUrl = state.services.purchase?.url;
    const storeUrl = state.services.store?.url;
    const consumerUrl = state.services.consumer?.url;
    if (!purchaseUrl || !storeUrl || !consumerUrl)
      throw new Error('the stack runs without its services (build them: npx tsc -b)');
    const shardUrls = state.shards.map((s) => s.url);
    // The stack authenticates writes with the key it generated; the load sends it.
    const apiKey = readStackApiKey(stack.dir);
    const topology: Topology = { partitionCount: state.kafka.partitions, shardCount: shardUrls.length };

    let storeIds: readonly number[] = [];
    const startMs = Date.now();
    const consumer = startConsumerSampler(`${consumerUrl}/metrics`, startMs);
    const reader = startStoreReader(storeUrl, () => storeIds, startMs);
    const done = new AbortController();
    const records: FaultRecord[] = [];
    const faultLoop = (async () => {
      const counts = new Map<string, number>();
      for (const fault of scenario.faults) {
        const wait = startMs + fault.atS * 1000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (done.signal.aborted) break;
        const round = counts.get(fault.kind) ?? 0;
        counts.set(fault.kind, round + 1);
        records.push(
          await injectFault(
            fault,
            {
              stack,
              topic: state.kafka.topic,
              log,
              cutMethod,
              throttleDuty: config.throttleDuty,
              signal: done.signal,
            },
            round,
          ),
        );
      }
    })();
    let load: LoadOutcome;
    try {
      load = await runTimedLoad({
        targetUrl: purchaseUrl,
        ...(apiKey ? { apiKey } : {}),
        profile: {
          stores: config.clients,
          customersPerStore: 1000,
          maxItemId: 100_000,
          purchasesPerHour: config.purchasesPerHour,
          itemsPerPurchase: 5,
          quantityPerItem: 1,
          date: '20210101',
          hours: 9,
          seed: 6650,
        },
        firstStoreIdBase: 0,
        durationS: scenario.durationS,
        retry: config.retry,
        requestTimeoutMs: config.requestTimeoutMs,
        startMs,
        onStores: (ids) => (storeIds = [...ids]),
        log,
      });
    } finally {
      done.abort();
      await faultLoop;
    }
    const reads = await reader.stop();
    log(
      `load done: ${load.ledger.totalPurchases()} purchases acknowledged in ${(load.wallMs / 1000).toFixed(0)} s; draining…`,
    );

    const shards = new ShardReader(shardUrls);
    let drain, verify, exactlyOnce;
    try {
      const ids = load.storeIds;
      drain = await waitForDrain({
        shards,
        fromStore: Math.min(...ids),
        toStore: Math.max(...ids),
        expectedQuantity: ids.reduce((sum, id) => sum + load.ledger.total(id), 0),
        consumerMetricsUrl: `${consumerUrl}/metrics`,
        timeoutMs: config.drainTimeoutMs,
      });
      verify = await verifyRun({
        ledger: load.ledger,
        storeIds: ids,
        shards,
        topology,
        storeApiUrl: storeUrl,
      });
      exactlyOnce = checkPurchaseIds(
        expectedIds(load, topology, apiKey ? apiKeyIdOf(apiKey) : ''),
        await purchaseIdsOnShards(shardUrls, Math.min(...ids), Math.max(...ids)),
      );
    } finally {
      await shards.close();
    }
    const consumerSamples = await consumer.stop();

    const loadEndS = load.wallMs / 1000;
    const lagZeroAfterLoadS = drain.lagZeroMs !== undefined ? Math.round(drain.lagZeroMs / 100) / 10 : null;
    const faults = faultResults(records, startMs, load.timeline.acknowledgedPerSecond(), consumerSamples);
    const purchases = {
      total: load.rounds.reduce((n, r) => n + r.result.purchases.total, 0),
      acknowledged: load.rounds.reduce((n, r) => n + r.result.purchases.ok, 0),
      failed: load.rounds.reduce((n, r) => n + r.result.purchases.failed, 0),
    };
    const statusCounts: Record<string, number> = {};
    for (const r of load.rounds)
      for (const [status, count] of Object.entries(r.result.statusCounts))
        statusCounts[status] = (statusCounts[status] ?? 0) + count;
    const storeReads = readStats(reads);
    const verifyDetail = verify.ok
      ? `✔ ${verify.shards.checked} (store, item) totals, ${verify.purchaseRows.checked} stores' rows, ${verify.storeApi?.checked ?? 0} Store API top 10s`
      : `✘ ${[...verify.shards.mismatches, ...verify.purchaseRows.mismatches, ...(verify.storeApi?.mismatches ?? [])].slice(0, 5).join('; ')}`;
    const invariants = evaluateInvariants({
      purchasesFailed: purchases.failed,
      totals: load.timeline.totals,
      storeReadsBad: storeReads.bad,
      exactlyOnce,
      verifyOk: verify.ok,
      verifyDetail,
      drained: drain.drained,
      lagZeroAfterLoadS,
      faults: records,
      expectedFaults: scenario.faults.length,
    });
    const dir = chaosDirectory(path.resolve(REPO_ROOT, config.resultsDir), scenario.name, startedAt);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const summary: ChaosSummary = {
      kind: 'chaos',
      scenario: scenario.name,
      description: scenario.description,
      startedAt: startedAt.toISOString(),
      command: options.command,
      ...provenance,
      machine,
      setup: {
        kafkaNodes: 3,
        replicationFactor: state.kafka.replicationFactor,
        minInsyncReplicas: 2,
        kafkaNetwork: network,
        kafkaNetworkReason: reason,
        networkCutMethod: scenario.faults.some((f) => f.kind === 'cut-kafka-node') ? cutMethod : undefined,
        clockSkew: scenario.faketime
          ? {
              services: scenario.faketime,
              mechanism: 'libfaketime (LD_PRELOAD, FAKETIME offset, monotonic clock real)',
            }
          : undefined,
        shards: shardUrls.length,
        partitions: state.kafka.partitions,
        purchaseWorkers: config.workers,
        storeWorkers: config.workers,
        retry: config.retry,
        purchasesPerHour: config.purchasesPerHour,
        plannedFaults: scenario.faults,
      },
      load: {
        clients: config.clients,
        rounds: load.rounds.length,
        durationS: scenario.durationS,
        wallS: Math.round(loadEndS * 10) / 10,
        purchases,
        attempts: load.timeline.totals,
        firstTryShare: purchases.total > 0 ? load.timeline.totals.acknowledgedFirstTry / purchases.total : 0,
        acknowledgedShare: purchases.total > 0 ? purchases.acknowledged / purchases.total : 0,
        statusCounts,
      },
      storeReads,
      faults,
      recovery: worstRecovery(faults),
      lag: { max: Math.max(0, ...consumerSamples.map((s) => s.lag)), zeroAfterLoadS: lagZeroAfterLoadS },
      exactlyOnce,
      verify,
      invariants,
      ok: invariants.every((i) => i.ok),
      files: { timeline: 'timeline.csv', plot: 'timeline.svg' },
    };
    writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(path.join(dir, 'timeline.csv'), timelineCsv(load.timeline.seconds(), consumerSamples));
    const markers = faults.map((f) => ({
      atS: f.atS,
      heldS: f.heldS,
      label: `${f.kind.replace(/^kill-/, '✕ ')}`,
    }));
    writeFileSync(
      path.join(dir, 'timeline.svg'),
      await renderSvg(
        timelineSpec(
          `chaos: ${scenario.name} — ${scenario.description}`.slice(0, 140),
          load.timeline.seconds(),
          consumerSamples,
          markers,
        ),
      ),
    );
    return { summary, dir };
  } finally {
    log('stopping the private stack…');
    await stack.down(log);
  }
}
