/**
 * Store GET latency at 100 concurrent readers while the purchase path is under 256-client load, and
 * the effect of hedged requests to read replicas. Writes results/bench/store/. See --help.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { shardOfStore } from '@tillstream/contract';
import { loadStackSettings, readStackApiKey, type StackState } from '@tillstream/stack';
import { createTestShards, freePort, startService, useStack } from '@tillstream/stack/harness';
import { runIfEntry } from '../entry.js';
import { REPO_ROOT } from '../paths.js';
import { readAllProcStats, treePids } from '../process-cpu.js';
import { randomTail, startDelayProxy, type DelayProxy } from './delay-proxy.js';
import { summariseLoad, sumMetric, type LoadSummary, type PercentileSummary } from './figures.js';
import { httpLoad } from './http-load.js';
import { STORE_BENCH_USAGE, storeBenchOptions, type StoreBenchOptions } from './options.js';
import type { PurchaseWritersData } from './purchase-writers.js';
import { benchCommand, commitOf, loadAverage, progress } from './record.js';
import { queryOnce, startReplica, waitForReplay, withServer, type Replica } from './replica.js';

interface PhasePlan {
  readonly name: string;
  readonly hedged: boolean;
  readonly tail: boolean;
}

/** The phases a run measures: primary-only always, hedged ones with replicas, tail ones unless --no-tail. */
export function phasePlan(replica: StoreBenchOptions['replica'], tail: boolean): PhasePlan[] {
  const plan = [{ name: 'primary-only', hedged: false, tail: false }];
  if (replica !== 'none') plan.push({ name: 'hedged', hedged: true, tail: false });
  if (tail) {
    plan.push({ name: 'tail-primary-only', hedged: false, tail: true });
    if (replica !== 'none') plan.push({ name: 'tail-hedged', hedged: true, tail: true });
  }
  return plan;
}

interface PhaseResult extends PhasePlan {
  readonly readers: LoadSummary;
  readonly purchase: LoadSummary | null;
  readonly schedulerLatenessMs: PercentileSummary | null;
  readonly store: {
    readonly hedgedRequests: number;
    readonly hedgedWins: number;
    readonly shardTimeouts: number;
    readonly cache: Readonly<Record<string, number>>;
  };
}

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
   * Gives the read path the nice value of --read-priority: this process's main thread (the readers; the
   * purchase writers run in a worker thread and keep theirs), the store service's processes and the
   * PostgreSQL backends of its connections (on the primaries and, when hedging, the replicas). Called
   * again once the store's pools are warm.
   */
  async prioritiseReads(storePid: number, replicaUrls: readonly string[]): Promise<void> {
    const nice = this.#opt.readPriority;
    if (nice === 0) return;
    os.setPriority(process.pid, nice);
    reniceTree(storePid, nice);
    for (const server of [...this.#servers, ...replicaUrls]) {
      const rows = await queryOnce<{ pid: number }>(
        server,
        `SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'store-%'`,
      );
      for (const { pid } of rows) reniceTree(pid, nice);
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
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise((resolve) =>
      child.once('exit', () => resolve(out ? (JSON.parse(out) as PercentileSummary) : null)),
    );
  }

  purchaseWriters(warmupMs: number, durationMs: number): Promise<LoadSummary> {
    const data: PurchaseWritersData = {
      purchaseUrl: this.#opt.purchaseUrl,
      clients: this.#opt.writers,
      stores: this.#opt.stores,
      items: this.#opt.items,
      apiKey: process.env.PURCHASE_API_KEY ?? this.stackApiKey(),
      warmupMs,
      durationMs,
    };
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./purchase-writers.js', import.meta.url), { workerData: data });
      worker.once('message', resolve).once('error', reject);
    });
  }

  async runPhase(
    phase: PhasePlan,
    databaseUrls: readonly string[],
    replicaUrls: readonly string[],
    withWriters: boolean,
  ): Promise<PhaseResult> {
    const opt = this.#opt;
    progress(`phase ${phase.name}`);
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
      STORE_CACHE_TTL_MS: String(opt.cacheTtlMs),
      ...(phase.hedged ? { SHARD_REPLICA_URLS: replicaUrls.join(',') } : {}),
    });
    const { warmupMs, durationMs } = opt;
    const writers = withWriters ? this.purchaseWriters(warmupMs, durationMs) : Promise.resolve(null);
    const readServers = phase.hedged ? replicaUrls : [];
    await this.prioritiseReads(store.child.pid!, readServers);
    // Again once the warm-up has opened the store's pools to every shard.
    const reprioritise = setTimeout(
      () =>
        this.prioritiseReads(store.child.pid!, readServers).catch((error: Error) =>
          progress(`read priority: ${error.message}`),
        ),
      Math.min(2_000, warmupMs / 2),
    );
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
    const metrics = await (await fetch(`${store.url}/metrics`)).text();
    clearTimeout(reprioritise);
    const purchase = await writers;
    const schedulerLatenessMs = await probe;
    if (opt.readPriority !== 0) os.setPriority(process.pid, 0);
    await store.stop();
    await Promise.all(proxies.map((p) => p.close()));
    return {
      ...phase,
      readers,
      purchase,
      schedulerLatenessMs,
      store: {
        hedgedRequests: sumMetric(metrics, 'store_hedged_requests_total'),
        hedgedWins: sumMetric(metrics, 'store_hedged_wins_total'),
        shardTimeouts: sumMetric(metrics, 'store_shard_timeouts_total'),
        cache: Object.fromEntries(
          ['hit', 'miss', 'coalesced'].map((r) => [
            r,
            sumMetric(metrics, 'store_cache_requests_total', `result="${r}"`),
          ]),
        ),
      },
    };
  }
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
    const phases: PhaseResult[] = [];
    for (const phase of phasePlan(opt.replica, opt.tail))
      phases.push(await bench.runPhase(phase, shards.urls, replicaUrls, withWriters));
    machine.loadAverageAtEnd = loadAverage();
    const result = {
      command,
      ...commitOf(['services/store']),
      date: new Date().toISOString(),
      machine,
      settings: { ...opt.flags, replicaKind: opt.replica, purchaseLoad: withWriters },
      targets: { storeP99Ms: 10, top10P99OverStoreP99: 2 },
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

interface StoreRecord {
  readonly command: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly date: string;
  readonly machine: Record<string, unknown>;
  readonly settings: Readonly<Record<string, string | boolean>>;
  readonly targets: { readonly storeP99Ms: number; readonly top10P99OverStoreP99: number };
  readonly phases: readonly PhaseResult[];
}

function renderReadme(r: StoreRecord): string {
  const row = (p: PhaseResult) => {
    const s = p.readers.latency['GET /items/store'];
    const t = p.readers.latency['GET /items/top10'];
    const ratio = s?.p99Ms && t?.p99Ms ? (t.p99Ms / s.p99Ms).toFixed(2) : '–';
    const c = p.store.cache as Record<'hit' | 'miss' | 'coalesced', number>;
    const hitRatio =
      c.hit + c.miss + c.coalesced > 0
        ? ((c.hit + c.coalesced) / (c.hit + c.miss + c.coalesced)).toFixed(2)
        : '–';
    const writes = p.purchase ? `${p.purchase.latency['POST /purchase']?.perSecond ?? 0}/s` : 'none';
    const pct = (x: number | undefined) => (x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
    const v = (x: number | null | undefined) => x ?? '–';
    return `| ${p.name} | ${v(s?.perSecond)}/s | ${pct(s?.failureRate)} | ${v(s?.p50Ms)} | ${v(s?.p99Ms)} | ${v(t?.perSecond)}/s | ${pct(t?.failureRate)} | ${v(t?.p50Ms)} | ${v(t?.p99Ms)} | ${ratio} | ${p.store.hedgedRequests} / ${p.store.hedgedWins} | ${hitRatio} | ${writes} | ${v(p.schedulerLatenessMs?.p50Ms)} / ${v(p.schedulerLatenessMs?.p99Ms)} |`;
  };
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
  return `# Store GET latency

Generated by \`${r.command}\` at commit \`${r.commit}\`${r.dirty ? ' (services/store had uncommitted changes)' : ''} on ${r.date}.

Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node};
load average (1/5/15 min) at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd.join(' / ')}.

Setup: ${setting('readers')} ${rate > 0 ? `readers paced at ${setting('reader-rate')} requests/s each (${rate * Number(setting('readers'))}/s offered; latency counted from when a request was due)` : 'closed-loop readers'} (half \`/items/store/{random store}\`, half \`/items/top10/{random item}\`)
against a store service with STORE_WORKERS=${setting('store-workers')}, STORE_CACHE_TTL_MS=${setting('cache-ttl-ms')}, reading a
fresh bench database on each stack shard server pre-filled with ${setting('stores')} stores × ${setting('items-per-store')} items of
${setting('items')} (aggregates only). Purchase load: ${r.settings.purchaseLoad ? `${setting('writers')} closed-loop clients POSTing to ${setting('purchase-url')} (the stack's purchase → Kafka → consumer → shards path, writing to the same PostgreSQL servers)` : 'none (the purchase service was not reachable or --no-purchase-load): only the store path was loaded'}.
${Number(setting('read-priority')) !== 0 ? `Read path at nice ${setting('read-priority')} (the readers' thread, the store service, its PostgreSQL backends and the scheduling probe); the write path at nice 0.\n` : ''}Replicas for the hedged phases: ${replicaKind === 'streaming' ? 'a pg_basebackup hot standby of every shard server, streaming WAL' : replicaKind === 'connection' ? 'a second connection pool to the same shard database' : 'none'}.
Tail phases: every primary behind a proxy delaying ${Number(setting('tail-fraction')) * 100} % of its response chunks by ${setting('tail-delay-ms')} ms.
Targets: \`/items/store\` and \`/items/top10\` p99 ≤ ${r.targets.storeP99Ms} ms; top10 p99 ≤ ${r.targets.top10P99OverStoreP99} × store p99. Latencies in ms, client side, over every HTTP answer (503s included).

| phase | store rate | store non-2xx/404 | store p50 | store p99 | top10 rate | top10 non-2xx/404 | top10 p50 | top10 p99 | top10/store p99 | hedges sent / won | cache hit+coalesced | purchases | 1 ms sleep lateness p50 / p99 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${r.phases.map(row).join('\n')}

The last column is the machine's scheduling floor during the phase: how late a separate process that only
sleeps 1 ms wakes up (loadtest/src/bench/scheduler-probe.ts). No answer on this machine can be faster than the wait for a core.

Full percentiles and status counts: results.json.${r.settings.note ? `\n\nNote: ${setting('note')}\n` : ''}
`;
}

runIfEntry(import.meta.url, main);
