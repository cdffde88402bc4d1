/**
 * Store GET latency, alone and while the purchase path writes, and where its time goes. One run
 * measures, in order: the readers alone; the write capacity (closed-loop writers, no readers); the
 * readers while the writers are paced open-loop at a share of that capacity; and, when asked, the
 * same with hedged requests to read replicas and with an injected tail on the primaries. Each phase
 * records the readers' latency and status counts, the store's own hops (handler, pool wait, shard
 * query, event-loop delay, GC), the shard servers' time per statement (pg_stat_statements, when the
 * servers load it) and the machine's scheduling floor. Writes results/bench/store/. See --help.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { shardOfStore } from '@tillstream/contract';
import { CpuGroup, loadStackSettings, readStackApiKey, type StackState } from '@tillstream/stack';
import { createTestShards, freePort, startService, useStack } from '@tillstream/stack/harness';
import { runIfEntry } from '../entry.js';
import { REPO_ROOT } from '../paths.js';
import { reproduceCommand } from '../provenance.js';
import { readAllProcStats, treePids } from '../process-cpu.js';
import { randomTail, startDelayProxy, type DelayProxy } from './delay-proxy.js';
import {
  rounded,
  summariseLoad,
  sumMetric,
  type LoadSummary,
  type NamedLatency,
  type PercentileSummary,
} from './figures.js';
import { withBareRoute } from '../calibrator.js';
import { readConsumerLag } from '../consumer-lag.js';
import { formatFreshness, freshnessBetween, readFreshness, type Freshness } from '../freshness.js';
import { DEFAULT_RETRY_POLICY } from '../retry-policy.js';
import { formatVisibility, startVisibilityProbe, type Visibility } from '../visibility.js';
import { httpLoad } from './http-load.js';
import { STORE_BENCH_USAGE, storeBenchOptions, type StoreBenchOptions } from './options.js';
import type { PurchaseWritersData } from './purchase-writers.js';
import { startPhaseCpu, type PhaseCpu } from './phase-cpu.js';
import { tcpEchoRoundTrips } from './tcp-echo.js';
import { storeHops, type HopQuantiles, type StoreHops } from './store-hops.js';
import { benchCommand, commitOf, loadAverage, progress } from './record.js';
import { queryOnce, startReplica, waitForReplay, withServer, type Replica } from './replica.js';

export interface PhasePlan {
  readonly name: string;
  readonly hedged: boolean;
  readonly tail: boolean;
  /** Whether the readers run (the capacity phase has only writers). */
  readonly reading: boolean;
  /** The purchase load: none, closed loop (to measure capacity), or paced at a share of the capacity. */
  readonly writes: 'none' | 'closed' | 'paced';
}

/**
 * The phases a run measures: the readers alone always; with writers, the write capacity and then the
 * readers under paced writes; hedged phases with replicas, tail phases unless --no-tail (under paced
 * writes when there are writers).
 */
export function phasePlan(
  replica: StoreBenchOptions['replica'],
  tail: boolean,
  withWriters: boolean,
): PhasePlan[] {
  const reads = (name: string, hedged: boolean, tailed: boolean): PhasePlan => ({
    name,
    hedged,
    tail: tailed,
    reading: true,
    writes: withWriters ? 'paced' : 'none',
  });
  const plan: PhasePlan[] = [
    { name: 'reads-alone', hedged: false, tail: false, reading: true, writes: 'none' },
  ];
  if (withWriters) {
    plan.push({ name: 'write-capacity', hedged: false, tail: false, reading: false, writes: 'closed' });
    plan.push(reads('under-writes', false, false));
  }
  if (replica !== 'none') plan.push(reads('hedged', true, false));
  if (tail) {
    plan.push(reads('tail-primary-only', false, true));
    if (replica !== 'none') plan.push(reads('tail-hedged', true, true));
  }
  return plan;
}

/** One statement's time on the shard servers over a phase (pg_stat_statements, summed over servers). */
export interface StatementTime {
  readonly calls: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

export interface PhaseResult extends PhasePlan {
  readonly readers: LoadSummary | null;
  readonly purchase: LoadSummary | null;
  /** Purchases per second offered to the purchase service (paced phases). */
  readonly offeredWritesPerSecond: number | null;
  /** Purchases per second the consumer committed in the window (phases with writes, when its metrics are readable). */
  readonly committedPerSecond: number | null;
  /** Receipt to shard commit of the purchases committed in the window (phases with writes, when the consumer's metrics are readable). */
  readonly freshness?: Freshness | null;
  /** 201 to the stack's Store API, by the visibility probe over the window (phases with writes, when the stack runs a store). */
  readonly visibility?: Visibility | null;
  readonly schedulerLatenessMs: PercentileSummary | null;
  /** Store answers with a 5xx status in the measured window. */
  readonly serverErrors: number;
  readonly hops: StoreHops | null;
  /** CPU over the measured window. */
  readonly cpu: PhaseCpu;
  /** Per statement (`top_items`, `top_stores`); null when the shard servers do not load pg_stat_statements. */
  readonly statements: Readonly<Record<string, StatementTime>> | null;
  readonly store: {
    readonly hedgedRequests: number;
    readonly hedgedWins: number;
    readonly shardTimeouts: number;
    readonly cache: Readonly<Record<string, number>>;
  };
}

/** The bare express route under the same readers: the floor of a read on this machine. */
export interface BareRouteReads {
  readonly latency: NamedLatency | null;
  readonly schedulerLatenessMs: PercentileSummary | null;
  /** The same clients' loopback TCP round trips to an echo process: the floor below HTTP (runs before it recorded none). */
  readonly tcpEchoMs?: PercentileSummary;
}

/** Longest wait for the consumer to catch up between phases. */
const DRAIN_TIMEOUT_MS = 180_000;

const STATEMENTS = {
  top_items: 'SELECT item_id, quantity FROM store_item_totals%',
  top_stores: 'SELECT store_id, quantity FROM store_item_totals%',
};

/** Sets the nice value of every thread of `pid` and of its descendants (Linux: nice is per thread). */
function reniceTree(pid: number, nice: number): void {
  for (const p of treePids(readAllProcStats(), pid)) {
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) os.setPriority(Number(tid), nice);
    } catch {
      // exited meanwhile
    }
  }
}

class StoreBench {
  readonly #opt: StoreBenchOptions;
  readonly #state: StackState;
  readonly #servers: string[];
  readonly #partitionCount: number;
  readonly #stackDir = loadStackSettings().stackDir;
  /** The read path's CPU group during a read phase (--read-cpu-shares). */
  #readGroup: CpuGroup | undefined;
  readonly #probePids: number[] = [];

  constructor(opt: StoreBenchOptions, state: StackState) {
    this.#opt = opt;
    this.#state = state;
    this.#servers = state.shards.map((s) => s.url);
    this.#partitionCount = state.kafka.partitions;
  }

  /** The stack's purchase API key, for the stack's own purchase service only. */
  stackApiKey(): string | undefined {
    return this.#opt.purchaseUrl === this.#state.services?.purchase?.url
      ? readStackApiKey(loadStackSettings().stackDir)
      : undefined;
  }

  /** The purchase service's bearer key: PURCHASE_API_KEY, else the stack's own (for its own service). */
  purchaseApiKey(): string | undefined {
    return process.env.PURCHASE_API_KEY ?? this.stackApiKey();
  }

  /** Fills `databaseUrls` (one per shard server) with the aggregates of the stores each shard owns; rows per shard. */
  async prefill(databaseUrls: readonly string[]): Promise<number[]> {
    const topology = { partitionCount: this.#partitionCount, shardCount: databaseUrls.length };
    const rows: number[] = [];
    for (const [shard, url] of databaseUrls.entries()) {
      const stores: number[] = [];
      for (let s = 1; s <= this.#opt.stores; s++) if (shardOfStore(s, topology) === shard) stores.push(s);
      await queryOnce(
        url,
        `INSERT INTO store_item_totals (store_id, item_id, quantity)
         SELECT DISTINCT ON (s, i) s, i, 1 + floor(random() * 1000)::int
         FROM (SELECT s, 1 + ((s * 7919 + k * 104729) % $2::int) AS i FROM unnest($1::int[]) s, generate_series(1, $3::int) k) x
         ON CONFLICT DO NOTHING`,
        [stores, this.#opt.items, this.#opt.itemsPerStore],
      );
      await queryOnce(url, 'ANALYZE store_item_totals');
      const [count] = await queryOnce<{ n: number }>(url, 'SELECT count(*)::int AS n FROM store_item_totals');
      rows.push(count!.n);
    }
    return rows;
  }

  async purchaseReachable(): Promise<boolean> {
    if (!this.#opt.purchaseLoad) return false;
    try {
      return (await fetch(`${this.#opt.purchaseUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  }

  /**
   * Gives the read path the nice value of --read-priority and, with --read-cpu-shares, its own CPU
   * group: this process's main thread (the readers; the purchase writers run in a worker thread and
   * keep theirs), the store service's processes, the PostgreSQL backends of its connections (on the
   * primaries and, when hedging, the replicas) and the scheduling probe. Called again once the
   * store's pools are warm.
   */
  async prioritiseReads(
    storePid: number,
    databaseUrls: readonly string[],
    replicaUrls: readonly string[],
  ): Promise<void> {
    const nice = this.#opt.readPriority;
    const group = this.#readGroup;
    if (nice === 0 && group === undefined) return;
    const backends: number[] = [];
    // The bench database's store backends only (the stack's own store reads the stack database).
    for (const url of [...databaseUrls, ...replicaUrls]) {
      const rows = await queryOnce<{ pid: number }>(
        url,
        `SELECT pid FROM pg_stat_activity
         WHERE application_name LIKE 'store-%' AND datname = current_database()`,
      );
      backends.push(...rows.map((r) => r.pid));
    }
    if (nice !== 0) {
      os.setPriority(process.pid, nice);
      for (const pid of [storePid, ...backends]) reniceTree(pid, nice);
    }
    if (group !== undefined) {
      group.addThreads([process.pid]); // the main thread only: the readers
      group.addProcessTrees([
        ...[storePid, ...backends].flatMap((pid) => treePids(readAllProcStats(), pid)),
        ...this.#probePids,
      ]);
    }
  }

  /** Runs scheduler-probe.js over the phase's timing; resolves with its lateness summary. */
  schedulerProbe(warmupMs: number, durationMs: number): Promise<PercentileSummary | null> {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./scheduler-probe.js', import.meta.url)), String(warmupMs), String(durationMs)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (this.#opt.readPriority !== 0) os.setPriority(child.pid!, this.#opt.readPriority);
    this.#probePids.push(child.pid!);
    this.#readGroup?.addProcessTrees([child.pid!]);
    child.once('exit', () => this.#probePids.splice(this.#probePids.indexOf(child.pid!), 1));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise((resolve) =>
      child.once('exit', () => resolve(out ? (JSON.parse(out) as PercentileSummary) : null)),
    );
  }

  /**
   * Whether the shard servers load pg_stat_statements; if so, creates it in the bench database (the
   * view shows a database's statements only where the extension exists).
   */
  async statementStatsAvailable(databaseUrls: readonly string[]): Promise<boolean> {
    for (const url of databaseUrls) {
      const [row] = await queryOnce<{ libraries: string }>(
        url,
        "SELECT current_setting('shared_preload_libraries') AS libraries",
      );
      if (!row!.libraries.split(',').some((l) => l.trim() === 'pg_stat_statements')) return false;
      await queryOnce(url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    }
    return true;
  }

  /** Forgets every server's statement statistics (at the start of a measured window). */
  async resetStatementStats(databaseUrls: readonly string[]): Promise<void> {
    await Promise.all(databaseUrls.map((url) => queryOnce(url, 'SELECT pg_stat_statements_reset()')));
  }

  /** The two reads' calls and time on the servers since the reset, summed over servers. */
  async readStatementStats(databaseUrls: readonly string[]): Promise<Record<string, StatementTime>> {
    const totals = Object.fromEntries(
      Object.keys(STATEMENTS).map((name) => [name, { calls: 0, totalMs: 0, maxMs: 0 }]),
    );
    for (const url of databaseUrls) {
      for (const [name, pattern] of Object.entries(STATEMENTS)) {
        const rows = await queryOnce<{ calls: string; total: number; max: number }>(
          url,
          `SELECT s.calls, s.total_exec_time AS total, s.max_exec_time AS max
           FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
           WHERE d.datname = current_database() AND s.query LIKE $1`,
          [pattern],
        );
        const t = totals[name]!;
        for (const row of rows) {
          t.calls += Number(row.calls);
          t.totalMs += row.total;
          t.maxMs = Math.max(t.maxMs, row.max);
        }
      }
    }
    return Object.fromEntries(
      Object.entries(totals).map(([name, t]) => [
        name,
        { calls: t.calls, meanMs: rounded(t.totalMs / Math.max(1, t.calls), 4), maxMs: rounded(t.maxMs, 3) },
      ]),
    );
  }

  purchaseWriters(warmupMs: number, durationMs: number, ratePerClient: number): Promise<LoadSummary> {
    const data: PurchaseWritersData = {
      purchaseUrl: this.#opt.purchaseUrl,
      clients: this.#opt.writers,
      ratePerClient,
      stores: this.#opt.stores,
      items: this.#opt.items,
      apiKey: this.purchaseApiKey(),
      warmupMs,
      durationMs,
    };
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./purchase-writers.js', import.meta.url), { workerData: data });
      worker.once('message', resolve).once('error', reject);
    });
  }

  /**
   * The floor of a read on this machine: the same readers, paced the same, against a bare express
   * route (GET /readyz, answered at once) with as many workers as the store, beside the scheduling
   * probe.
   */
  async bareRoute(): Promise<BareRouteReads> {
    const opt = this.#opt;
    progress('tcp echo (the floor below HTTP)');
    const tcpEchoMs = await tcpEchoRoundTrips({
      clients: opt.readers,
      ratePerClient: opt.readerRate,
      warmupMs: opt.warmupMs,
      durationMs: opt.durationMs,
    });
    progress('bare route (the floor)');
    return withBareRoute(opt.storeWorkers, async (url) => {
      const probe = this.schedulerProbe(opt.warmupMs, opt.durationMs);
      const load = summariseLoad(
        await httpLoad({
          baseUrl: url,
          clients: opt.readers,
          ratePerClient: opt.readerRate,
          warmupMs: opt.warmupMs,
          durationMs: opt.durationMs,
          next: () => ({ name: 'GET /readyz', method: 'GET', path: '/readyz' }),
        }),
      );
      return { latency: load.latency['GET /readyz'] ?? null, schedulerLatenessMs: await probe, tcpEchoMs };
    });
  }

  /** The stack consumer's /metrics, when the stack runs one. */
  consumerMetricsUrl(): string | undefined {
    const consumer = this.#state.services?.consumer;
    return consumer === undefined ? undefined : `${consumer.url}/metrics`;
  }

  /** Purchases the consumer has committed so far (its freshness histogram's count); undefined: unreadable. */
  async committed(): Promise<number | undefined> {
    const url = this.consumerMetricsUrl();
    // The load runner's reader of the same histogram; its +Inf bucket counts every commit.
    const histogram = url === undefined ? undefined : await readFreshness(url);
    return histogram === undefined ? undefined : (histogram.get(Infinity) ?? 0);
  }

  /** Waits until the consumer has caught up with the topic (at most DRAIN_TIMEOUT_MS), so a phase's backlog does not load the next. */
  async drained(): Promise<void> {
    const url = this.consumerMetricsUrl();
    if (url === undefined) return;
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    let lag = await readConsumerLag(url);
    while (lag !== undefined && lag > 0 && performance.now() < deadline) {
      await sleep(500);
      lag = await readConsumerLag(url);
    }
    if (lag !== undefined && lag > 0) progress(`the consumer is still ${lag} purchases behind`);
  }

  /**
   * The purchase load alone, closed loop. The write capacity is what the whole write path sustains:
   * the purchases acknowledged per second, or, when fewer, those the consumer committed per second
   * over the same window (a backlog the consumer cannot keep up with is not capacity).
   */
  async writeCapacity(phase: PhasePlan): Promise<{ result: PhaseResult; capacity: number }> {
    progress(`phase ${phase.name}`);
    const atStart = sleep(this.#opt.warmupMs).then(async () => ({
      cpu: startPhaseCpu(this.#stackDir, undefined),
      committed: await this.committed(),
    }));
    const [purchase, schedulerLatenessMs] = await Promise.all([
      this.purchaseWriters(this.#opt.warmupMs, this.#opt.durationMs, 0),
      this.schedulerProbe(this.#opt.warmupMs, this.#opt.durationMs),
    ]);
    const start = await atStart;
    const cpu = start.cpu.finish();
    const [before, after] = [start.committed, await this.committed()];
    const committedPerSecond =
      before === undefined || after === undefined ? null : Math.round((after - before) / purchase.seconds);
    const acknowledged = acknowledgedPerSecond(purchase);
    await this.drained();
    return {
      result: {
        ...phase,
        readers: null,
        purchase,
        offeredWritesPerSecond: null,
        committedPerSecond,
        schedulerLatenessMs,
        serverErrors: 0,
        hops: null,
        cpu,
        statements: null,
        store: { hedgedRequests: 0, hedgedWins: 0, shardTimeouts: 0, cache: {} },
      },
      capacity: committedPerSecond === null ? acknowledged : Math.min(acknowledged, committedPerSecond),
    };
  }

  /**
   * The readers over a fresh store service for the phase, beside the writers (`writesPerSecond`
   * offered, paced; 0: none), with the store's metrics and the servers' statement statistics taken
   * when the measured window starts and when it ends.
   */
  async readPhase(
    phase: PhasePlan,
    databaseUrls: readonly string[],
    replicaUrls: readonly string[],
    writesPerSecond: number,
    statementStats: boolean,
  ): Promise<PhaseResult> {
    const opt = this.#opt;
    progress(`phase ${phase.name}${writesPerSecond > 0 ? ` (writes paced at ${writesPerSecond}/s)` : ''}`);
    const proxies: DelayProxy[] = phase.tail
      ? await Promise.all(
          this.#servers.map((s) => {
            const u = new URL(s);
            return startDelayProxy(
              { host: u.hostname, port: Number(u.port) },
              randomTail(opt.tailFraction, opt.tailDelayMs),
            );
          }),
        )
      : [];
    const primaries = databaseUrls.map((url, i) =>
      phase.tail ? withServer(url, { port: proxies[i]!.port }) : url,
    );
    const store = await startService('store', {
      LOG_LEVEL: 'warn',
      SHARD_URLS: primaries.join(','),
      KAFKA_PARTITIONS: String(this.#partitionCount),
      STORE_WORKERS: String(opt.storeWorkers),
      STORE_POOL_SIZE: String(opt.poolSize),
      STORE_CACHE_TTL_MS: String(opt.cacheTtlMs),
      ...(opt.storeNodeOptions ? { NODE_OPTIONS: opt.storeNodeOptions } : {}),
      ...(phase.hedged ? { SHARD_REPLICA_URLS: replicaUrls.join(',') } : {}),
    });
    const { warmupMs, durationMs } = opt;
    const writers =
      writesPerSecond > 0
        ? this.purchaseWriters(warmupMs, durationMs, writesPerSecond / opt.writers)
        : Promise.resolve(null);
    const readServers = phase.hedged ? replicaUrls : [];
    if (opt.readCpuShares > 0)
      this.#readGroup = CpuGroup.create(`tillstream-bench-reads-${process.pid}`, opt.readCpuShares);
    await this.prioritiseReads(store.child.pid!, databaseUrls, readServers);
    // Again once the warm-up has opened the store's pools to every shard.
    const reprioritise = setTimeout(
      () =>
        this.prioritiseReads(store.child.pid!, databaseUrls, readServers).catch((error: Error) =>
          progress(`read priority: ${error.message}`),
        ),
      Math.min(2_000, warmupMs / 2),
    );
    const metrics = async () => (await fetch(`${store.url}/metrics`)).text();
    const consumerMetrics = this.consumerMetricsUrl();
    const stackStoreUrl = this.#state.services?.store?.url;
    const apiKey = this.purchaseApiKey();
    // The window's start, as the load generator starts recording.
    const atStart = sleep(warmupMs).then(async () => {
      const cpu = startPhaseCpu(this.#stackDir, store.child.pid);
      if (statementStats) await this.resetStatementStats(databaseUrls);
      const writing = writesPerSecond > 0;
      return {
        cpu,
        metrics: await metrics(),
        freshness: writing && consumerMetrics ? await readFreshness(consumerMetrics) : undefined,
        // The writers' stores are 1…stores; the probe's store is above them, in the stack's database.
        visibility:
          writing && stackStoreUrl && opt.visibilityIntervalMs > 0
            ? await startVisibilityProbe({
                purchaseUrl: opt.purchaseUrl,
                storeUrl: stackStoreUrl,
                storeId: opt.stores + 1,
                itemId: 1,
                date: '20250101',
                runId: `bench-${process.pid}-${Date.now()}`,
                intervalMs: opt.visibilityIntervalMs,
                pollMs: opt.visibilityPollMs,
                retry: DEFAULT_RETRY_POLICY,
                ...(apiKey === undefined ? {} : { headers: { authorization: `Bearer ${apiKey}` } }),
              })
            : undefined,
      };
    });
    const probe = this.schedulerProbe(warmupMs, durationMs);
    const int = (max: number) => 1 + Math.floor(Math.random() * max);
    const readers = summariseLoad(
      await httpLoad({
        baseUrl: store.url,
        clients: opt.readers,
        ratePerClient: opt.readerRate,
        warmupMs,
        durationMs,
        next: () =>
          Math.random() < 0.5
            ? { name: 'GET /items/store', method: 'GET', path: `/items/store/${int(opt.stores)}` }
            : { name: 'GET /items/top10', method: 'GET', path: `/items/top10/${int(opt.items)}` },
      }),
    );
    const start = await atStart;
    const cpu = start.cpu.finish();
    const [before, after] = [start.metrics, await metrics()];
    const freshnessAfter =
      start.freshness && consumerMetrics ? await readFreshness(consumerMetrics) : undefined;
    const freshness =
      start.freshness && freshnessAfter ? freshnessBetween(start.freshness, freshnessAfter) : null;
    const committedPerSecond = freshness === null ? null : Math.round(freshness.count / readers.seconds);
    // The probe's purchases of the window are seen once the consumer has them all (at most a drain).
    const visibility = (await start.visibility?.stop(DRAIN_TIMEOUT_MS)) ?? null;
    const statements = statementStats ? await this.readStatementStats(databaseUrls) : null;
    clearTimeout(reprioritise);
    const purchase = await writers;
    const schedulerLatenessMs = await probe;
    if (opt.readPriority !== 0) os.setPriority(process.pid, 0);
    this.#readGroup?.close();
    this.#readGroup = undefined;
    await store.stop();
    await Promise.all(proxies.map((p) => p.close()));
    if (writesPerSecond > 0) await this.drained();
    return {
      ...phase,
      readers,
      purchase,
      offeredWritesPerSecond: writesPerSecond > 0 ? writesPerSecond : null,
      committedPerSecond,
      ...(writesPerSecond > 0 ? { freshness, visibility } : {}),
      schedulerLatenessMs,
      serverErrors: Object.entries(readers.statuses)
        .filter(([key]) => / 5\d\d$/.test(key))
        .reduce((sum, [, count]) => sum + count, 0),
      hops: storeHops(before, after),
      cpu,
      statements,
      store: {
        hedgedRequests: sumMetric(after, 'store_hedged_requests_total'),
        hedgedWins: sumMetric(after, 'store_hedged_wins_total'),
        shardTimeouts: sumMetric(after, 'store_shard_timeouts_total'),
        cache: Object.fromEntries(
          ['hit', 'miss', 'coalesced'].map((r) => [
            r,
            sumMetric(after, 'store_cache_requests_total', `result="${r}"`),
          ]),
        ),
      },
    };
  }
}

/** 201s per second of a closed-loop purchase load. */
export function acknowledgedPerSecond(purchase: LoadSummary): number {
  return (purchase.statuses['POST /purchase 201'] ?? 0) / purchase.seconds;
}

async function main(): Promise<number> {
  const opt = storeBenchOptions(process.argv.slice(2));
  if (opt.help) {
    console.log(STORE_BENCH_USAGE);
    return 0;
  }
  const command = benchCommand(import.meta.url, process.argv.slice(2));
  const machine: Record<string, unknown> = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: loadAverage(),
  };
  const state = await useStack();
  const bench = new StoreBench(opt, state);
  const servers = state.shards.map((s) => s.url);
  // A fresh migrated database on every shard server, holding the aggregates of the stores it owns.
  const shards = await createTestShards(undefined, state.kafka.partitions);
  const replicas: Replica[] = [];
  try {
    const expectedRows = await bench.prefill(shards.urls);
    progress(`pre-filled ${shards.database}: ${expectedRows.join(' + ')} store_item_totals rows`);
    let replicaUrls: string[] = [];
    if (opt.replica === 'streaming') {
      for (const server of servers) replicas.push(await startReplica(server, await freePort(), progress));
      await waitForReplay(replicas, shards.database, expectedRows);
      replicaUrls = replicas.map((r) => r.url(shards.database));
    } else if (opt.replica === 'connection') {
      replicaUrls = [...shards.urls];
    }
    const withWriters = await bench.purchaseReachable();
    progress(
      withWriters
        ? `purchase load: ${opt.writers} clients on ${opt.purchaseUrl}`
        : 'purchase service not reachable or disabled: loading only the store path',
    );
    const statementStats = await bench.statementStatsAvailable(shards.urls);
    if (!statementStats)
      progress('the shard servers do not load pg_stat_statements: no server-side statement times');
    const phases: PhaseResult[] = [];
    let writesPerSecond = 0;
    await bench.drained();
    const bareRoute = await bench.bareRoute();
    for (const phase of phasePlan(opt.replica, opt.tail, withWriters)) {
      if (phase.writes === 'closed') {
        const { result, capacity } = await bench.writeCapacity(phase);
        writesPerSecond = Math.round(opt.writeShare * capacity);
        phases.push(result);
      } else {
        const rate = phase.writes === 'paced' ? writesPerSecond : 0;
        phases.push(await bench.readPhase(phase, shards.urls, replicaUrls, rate, statementStats));
      }
    }
    machine.loadAverageAtEnd = loadAverage();
    const result = {
      command,
      ...commitOf(['services/store']),
      date: new Date().toISOString(),
      machine,
      settings: { ...opt.flags, replicaKind: opt.replica, purchaseLoad: withWriters, statementStats },
      stackSettings: state.settings ?? {},
      targets: { underWritesP99Ms: 10, readsAloneP99Ms: 2, freshnessP99Ms: 1000 },
      bareRoute,
      phases,
    };
    mkdirSync(opt.out, { recursive: true });
    writeFileSync(path.join(opt.out, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(path.join(opt.out, 'README.md'), renderReadme(result));
    progress(`wrote ${path.relative(REPO_ROOT, opt.out)}/results.json and README.md`);
    return 0;
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await shards.remove();
  }
}

export interface StoreRecord {
  readonly command: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly date: string;
  readonly machine: Record<string, unknown>;
  readonly settings: Readonly<Record<string, string | boolean>>;
  /** The settings the stack was brought up with (its STACK_SHAPE_SETTINGS; runs before it recorded them: absent). */
  readonly stackSettings?: Readonly<Record<string, string>>;
  readonly targets: {
    readonly underWritesP99Ms: number;
    readonly readsAloneP99Ms: number;
    readonly freshnessP99Ms?: number;
  };
  readonly bareRoute: BareRouteReads;
  readonly phases: readonly PhaseResult[];
}

const v = (x: number | null | undefined) => (x === null || x === undefined ? '–' : String(x));

/** "0.5 / 2.5" from a hop's quantiles; "> 5000" when p99 passed the largest bucket. */
function hop(q: HopQuantiles | undefined): string {
  if (!q || q.count === 0) return '–';
  return `${v(q.p50Ms)} / ${q.p99Ms === null && q.overMs !== undefined ? `> ${q.overMs}` : v(q.p99Ms)}`;
}

function latencyRow(p: PhaseResult, bareP99Ms: number | null): string {
  const pct = (x: number | undefined) => (x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
  const endpoint = (name: string) => {
    const l = p.readers?.latency[name];
    return `${v(l?.perSecond)}/s | ${pct(l?.failureRate)} | ${v(l?.p50Ms)} | ${v(l?.p99Ms)}`;
  };
  const committed = p.committedPerSecond === null ? '' : `, ${p.committedPerSecond}/s committed`;
  const acknowledged = p.purchase ? `${Math.round(acknowledgedPerSecond(p.purchase))}/s${committed}` : 'none';
  const writes =
    p.writes === 'closed'
      ? `${acknowledged} (closed loop)`
      : p.writes === 'paced'
        ? `${acknowledged} of ${v(p.offeredWritesPerSecond)}/s offered`
        : 'none';
  const worst = Math.max(
    ...['GET /items/store', 'GET /items/top10'].map((name) => p.readers?.latency[name]?.p99Ms ?? 0),
  );
  const overBare = bareP99Ms && worst > 0 ? `${(worst / bareP99Ms).toFixed(1)}×` : '–';
  const reads = p.readers
    ? `${endpoint('GET /items/store')} | ${endpoint('GET /items/top10')} | ${overBare} | ${p.serverErrors}`
    : '– | – | – | – | – | – | – | – | – | –';
  return `| ${p.name} | ${reads} | ${writes} | ${v(p.schedulerLatenessMs?.p50Ms)} / ${v(p.schedulerLatenessMs?.p99Ms)} |`;
}

function hopRow(p: PhaseResult): string {
  const h = p.hops;
  if (!h) return `| ${p.name} | – | – | – | – | – | – | – | – | – |`;
  const statement = (name: string) => {
    const s = p.statements?.[name];
    return s ? `${s.meanMs} / ${s.maxMs}` : '–';
  };
  return `| ${p.name} | ${hop(h.handler['GET /items/store'])} | ${hop(h.handler['GET /items/top10'])} | ${hop(h.poolWait)} | ${hop(h.shardQuery)} | ${statement('top_items')} | ${statement('top_stores')} | ${h.eventLoopDelayMs.p99} / ${h.eventLoopDelayMs.max} | ${h.gc.pauses} (${h.gc.majorPauses} major), ${h.gc.totalMs} ms | ${p.store.hedgedRequests} / ${p.store.hedgedWins}, ${p.store.shardTimeouts} |`;
}

function cpuRow(p: PhaseResult): string {
  const top = Object.entries(p.cpu.cores)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 5)
    .map(([name, cores]) => `${name} ${cores}`)
    .join(', ');
  return `| ${p.name} | ${(p.cpu.machineBusy * 100).toFixed(0)} % | ${top} |`;
}

/** ", on a stack brought up with `…`": the stack settings a run recorded. */
function stackUp(r: StoreRecord): string {
  if (!r.stackSettings) return '';
  return `, on a stack brought up with \`${reproduceCommand('node stack/dist/cli.js up', r.stackSettings)}\``;
}

/** Freshness of the phases with paced writes: the probe's 201 to Store API, and receipt to commit. */
function freshnessSection(r: StoreRecord): string {
  const paced = r.phases.filter((p) => p.writes === 'paced' && (p.visibility || p.freshness));
  if (paced.length === 0) return '';
  const rows = paced.map(
    (p) =>
      `| ${p.name} | ${p.visibility ? formatVisibility(p.visibility) : '–'} | ${p.freshness ? formatFreshness(p.freshness) : '–'} |`,
  );
  return `
## Freshness under the paced writes

201 to Store API: the visibility probe (loadtest/src/visibility.ts) posts one purchase every
${r.settings['visibility-interval-ms']} ms to a store of its own on the stack (store ${Number(r.settings.stores) + 1}) and reads it through the stack's
Store API every ${r.settings['visibility-poll-ms']} ms, through Kafka, the consumer, the shard and the stack store's cache; its
purchases are part of the writes. Receipt to commit: the consumer's \`consumer_freshness_seconds\` over the
window (bucket upper bounds). Target: p99 ≤ ${r.targets.freshnessP99Ms} ms from the 201 to the Store API.

| phase | 201 to Store API | receipt to shard commit |
| --- | --- | --- |
${rows.join('\n')}
`;
}

function renderReadme(r: StoreRecord): string {
  const m = r.machine as {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    os: string;
    node: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  const setting = (name: string) => String(r.settings[name]);
  const rate = Number(setting('reader-rate'));
  const replicaKind = setting('replicaKind');
  const readPhases = r.phases.filter((p) => p.readers !== null);
  return `# Store GET latency

Generated by \`${r.command}\`${stackUp(r)} at commit \`${r.commit}\`${r.dirty ? ' (services/store had uncommitted changes)' : ''} on ${r.date}.

Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node};
load average (1/5/15 min) at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd.join(' / ')}.

Setup: ${setting('readers')} ${rate > 0 ? `readers paced at ${setting('reader-rate')} requests/s each (${rate * Number(setting('readers'))}/s offered; latency counted from when a request was due)` : 'closed-loop readers'} (half \`/items/store/{random store}\`, half \`/items/top10/{random item}\`)
against a store service with STORE_WORKERS=${setting('store-workers')}, STORE_POOL_SIZE=${setting('pool-size')}, STORE_CACHE_TTL_MS=${setting('cache-ttl-ms')}, reading a
fresh bench database on each stack shard server pre-filled with ${setting('stores')} stores × ${setting('items-per-store')} items of
${setting('items')} (aggregates only). ${r.settings.purchaseLoad ? `Writes: ${setting('writers')} clients POSTing to ${setting('purchase-url')} (the stack's purchase → Kafka → consumer → shards path, writing to the same PostgreSQL servers): closed loop and alone in \`write-capacity\` (the capacity: purchases acknowledged per second, or committed by the consumer if fewer), then paced open-loop at ${setting('write-share')} × that capacity beside the readers. Between phases the consumer catches up first.` : 'Writes: none (the purchase service was not reachable or --no-purchase-load): only the store path was loaded.'}
${Number(setting('read-cpu-shares')) > 0 ? `Read path in a CPU cgroup with cpu.shares=${setting('read-cpu-shares')} (every other process: 1024, in the root group): the readers' thread, the store service, its PostgreSQL backends and the scheduling probe, as a CPU request gives a container.\n` : ''}${Number(setting('read-priority')) !== 0 ? `Read path at nice ${setting('read-priority')} (the readers' thread, the store service, its PostgreSQL backends and the scheduling probe); the write path at nice 0.\n` : ''}Replicas for the hedged phases: ${replicaKind === 'streaming' ? 'a pg_basebackup hot standby of every shard server, streaming WAL' : replicaKind === 'connection' ? 'a second connection pool to the same shard database' : 'none'}.
${r.phases.some((p) => p.tail) ? `Tail phases: every primary behind a proxy delaying ${Number(setting('tail-fraction')) * 100} % of its response chunks by ${setting('tail-delay-ms')} ms.\n` : ''}Targets: p99 ≤ ${r.targets.readsAloneP99Ms} ms for both endpoints reading alone, ≤ ${r.targets.underWritesP99Ms} ms under the paced writes, and no 5xx.

## Latency

Client side, in ms, over every HTTP answer (5xx included). The floor, measured first in this run: the same
readers against a bare express route answering at once (loadtest/src/bench/bare-route.ts, ${setting('store-workers')} workers):
${r.bareRoute.latency ? `p50 ${r.bareRoute.latency.p50Ms}, p99 ${r.bareRoute.latency.p99Ms}, p99.9 ${r.bareRoute.latency.p999Ms} ms at ${r.bareRoute.latency.perSecond}/s` : 'no answers'}, with 1 ms sleep lateness p50 ${v(r.bareRoute.schedulerLatenessMs?.p50Ms)} / p99 ${v(r.bareRoute.schedulerLatenessMs?.p99Ms)} ms.${r.bareRoute.tcpEchoMs ? `\nBelow HTTP, the same clients paced the same, each on a loopback TCP connection to a Node process echoing 128 bytes (loadtest/src/bench/tcp-echo.ts): p50 ${v(r.bareRoute.tcpEchoMs.p50Ms)}, p99 ${v(r.bareRoute.tcpEchoMs.p99Ms)}, p99.9 ${v(r.bareRoute.tcpEchoMs.p999Ms)} ms.` : ''}

| phase | store rate | store non-2xx/404 | store p50 | store p99 | top10 rate | top10 non-2xx/404 | top10 p50 | top10 p99 | larger p99 ÷ bare route p99 | 5xx | purchases acknowledged, committed | 1 ms sleep lateness p50 / p99 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${r.phases.map((p) => latencyRow(p, r.bareRoute.latency?.p99Ms ?? null)).join('\n')}

The last column is the machine's scheduling floor during the phase: how late a separate process that only
sleeps 1 ms wakes up (loadtest/src/bench/scheduler-probe.ts). No answer on this machine can be faster than the wait for a core.

## Where the time goes

From the store's metrics over each measured window (bucket upper bounds, ms, p50 / p99) and from
${r.settings.statementStats ? 'pg_stat_statements on the shard servers (mean / largest execution, ms)' : 'pg_stat_statements (not loaded on the shard servers in this run: start the stack with SHARD_PG_OPTIONS=shared_preload_libraries=pg_stat_statements)'}.
The handler is the store's own time, first byte in to last byte out; a shard query includes its pool wait.
Event-loop delay is how late prom-client's 10 ms sampling timer ran (p99 averaged over the workers / largest).
Hedges and shard timeouts count the whole phase, warm-up included.

| phase | handler /items/store | handler /items/top10 | pool wait | shard query | server top_items mean / max | server top_stores mean / max | event-loop delay p99 / max | GC pauses, total | hedges sent / won, shard timeouts |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${readPhases.map(hopRow).join('\n')}
${freshnessSection(r)}
## CPU

Over each measured window: the share of the machine's CPU time that was busy, and the cores each part
used (the stack's components, the store service under test, and the bench process with its readers
and writers); the five largest.

| phase | machine busy | largest users (cores) |
| --- | --- | --- |
${r.phases.map(cpuRow).join('\n')}

Full percentiles, status counts, cache counts and every component's CPU: results.json.${r.settings.note ? `\n\nNote: ${setting('note')}\n` : ''}
`;
}

runIfEntry(import.meta.url, main);
