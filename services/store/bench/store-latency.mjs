#!/usr/bin/env node
// Store GET latency at 100 concurrent readers while the purchase path is under 256-client load, and
// the effect of hedged requests to read replicas. Writes results/bench/store/. See --help.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { shardOfStore } from '@tillstream/contract';
import { readAllProcStats, treePids } from '@tillstream/loadtest/process-cpu';
import { claimShardIdentities, migrate } from '@tillstream/schema';
import { freePort } from '@tillstream/stack/harness';
import { startDelayProxy } from './delay-proxy.mjs';
import { httpLoad } from './load.mjs';
import { startReplica, waitForReplay } from './replica.mjs';

const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const { values: opt } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '15' },
    'warmup-s': { type: 'string', default: '3' },
    readers: { type: 'string', default: '100' },
    'reader-rate': { type: 'string', default: '0' },
    'read-priority': { type: 'string', default: '0' },
    writers: { type: 'string', default: '256' },
    'store-workers': { type: 'string', default: '2' },
    stores: { type: 'string', default: '2000' },
    items: { type: 'string', default: '1000' },
    'items-per-store': { type: 'string', default: '40' },
    'cache-ttl-ms': { type: 'string', default: '500' },
    replica: { type: 'string', default: 'streaming' },
    'tail-fraction': { type: 'string', default: '0.05' },
    'tail-delay-ms': { type: 'string', default: '20' },
    'no-tail': { type: 'boolean', default: false },
    'purchase-url': { type: 'string', default: 'http://127.0.0.1:8080' },
    'no-purchase-load': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'results', 'bench', 'store') },
    note: { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(`usage: node services/store/bench/store-latency.mjs [options]
  --duration-s 15 --warmup-s 3       measured / unrecorded seconds per phase
  --readers 100 --writers 256        concurrent store readers / purchase writers
  --reader-rate 0                    requests/s per reader, paced with latency counted from when a request
                                     was due (coordinated omission corrected); 0: closed loop, each reader
                                     sends its next request when the last one answers
  --read-priority=0                  nice value for the read path: the readers (this process's main thread),
                                     the store service, its PostgreSQL backends and the scheduling probe;
                                     e.g. --read-priority=-10 stands in for the read tier having cores of its own (root)
  --store-workers 2                  STORE_WORKERS of the store under test
  --stores 2000 --items 1000 --items-per-store 40   pre-filled aggregates (a fresh bench database per shard)
  --cache-ttl-ms 500                 STORE_CACHE_TTL_MS
  --replica streaming|connection|none  replicas for the hedged phases: a pg_basebackup hot standby of every
                                     shard server, or a second pool to the same database, or no hedged phases
  --tail-fraction 0.05 --tail-delay-ms 20   injected tail on the primaries for the tail phases; --no-tail skips them
  --purchase-url http://127.0.0.1:8080  the running purchase service (bearer key: PURCHASE_API_KEY, else the stack's);
                                     --no-purchase-load, or an unreachable one, loads only the store path
  --out results/bench/store
  --note "…"                         a sentence printed in the results README (e.g. how busy the machine was)`);
  process.exit(0);
}
const n = (name) => Number(opt[name]);
const log = (line) => console.error(`[bench] ${line}`);

const state = JSON.parse(readFileSync(path.join(ROOT, '.stack', 'state.json'), 'utf8'));
/** The stack's purchase API key, for the stack's own purchase service only. */
const stackApiKey = () =>
  opt['purchase-url'] === state.services?.purchase?.url &&
  existsSync(path.join(ROOT, '.stack', 'purchase-api-key'))
    ? readFileSync(path.join(ROOT, '.stack', 'purchase-api-key'), 'utf8').trim()
    : undefined;
const partitionCount = state.kafka.partitions;
const servers = state.shards.map((s) => s.url);
const topology = { partitionCount, shardCount: servers.length };
const database = `bench_store_${Date.now().toString(36)}`;
const dbUrl = (serverUrl, db = database) =>
  Object.assign(new URL(serverUrl), { pathname: `/${db}` }).toString();

async function onServer(url, sql, values) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

/** A fresh migrated database on every shard server, holding the aggregates of the stores it owns. */
async function prefill() {
  const rows = [];
  for (const [shard, server] of servers.entries()) {
    await onServer(server, `CREATE DATABASE ${database}`);
    await migrate(dbUrl(server));
    const stores = [];
    for (let s = 1; s <= n('stores'); s++) if (shardOfStore(s, topology) === shard) stores.push(s);
    await onServer(
      dbUrl(server),
      `INSERT INTO store_item_totals (store_id, item_id, quantity)
       SELECT DISTINCT ON (s, i) s, i, 1 + floor(random() * 1000)::int
       FROM (SELECT s, 1 + ((s * 7919 + k * 104729) % $2::int) AS i FROM unnest($1::int[]) s, generate_series(1, $3::int) k) x
       ON CONFLICT DO NOTHING`,
      [stores, n('items'), n('items-per-store')],
    );
    await onServer(dbUrl(server), 'ANALYZE store_item_totals');
    const { rows: count } = await onServer(dbUrl(server), 'SELECT count(*)::int AS n FROM store_item_totals');
    rows.push(count[0].n);
  }
  // The store service checks each shard's identity row at start.
  await claimShardIdentities(servers.map(dbUrl), partitionCount);
  log(`pre-filled ${database}: ${rows.join(' + ')} store_item_totals rows`);
  return rows;
}

async function startStore(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'services/store/dist/main.js')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('store did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) =>
        child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')),
      ),
  };
}

function sumMetric(text, name, labelFilter = '') {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(labelFilter))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function purchaseReachable() {
  if (opt['no-purchase-load']) return false;
  try {
    return (await fetch(`${opt['purchase-url']}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** Sets the nice value of every thread of `pid` and of its descendants (Linux: nice is per thread). */
function reniceTree(pid, nice) {
  for (const p of treePids(readAllProcStats(), pid)) {
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) os.setPriority(Number(tid), nice);
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Gives the read path the nice value of --read-priority: this process's main thread (the readers; the
 * purchase writers run in a worker thread and keep theirs), the store service's processes and the
 * PostgreSQL backends of its connections (on the primaries and, when hedging, the replicas). Called
 * again once the store's pools are warm.
 */
async function prioritiseReads(storePid, replicaUrls) {
  const nice = n('read-priority');
  if (nice === 0) return;
  os.setPriority(process.pid, nice);
  reniceTree(storePid, nice);
  for (const server of [...servers, ...replicaUrls]) {
    const { rows } = await onServer(
      server,
      `SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'store-%'`,
    );
    for (const { pid } of rows) reniceTree(pid, nice);
  }
}

/** Runs scheduler-probe.mjs over the phase's timing; resolves with its lateness summary. */
function schedulerProbe({ warmupMs, durationMs }) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./scheduler-probe.mjs', import.meta.url)), String(warmupMs), String(durationMs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (n('read-priority') !== 0) os.setPriority(child.pid, n('read-priority'));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve) => child.once('exit', () => resolve(out ? JSON.parse(out) : null)));
}

async function runPhase(phase, replicaUrls, withWriters) {
  log(`phase ${phase.name}`);
  const proxies = phase.tail
    ? await Promise.all(
        servers.map((s) => {
          const u = new URL(s);
          return startDelayProxy(
            { host: u.hostname, port: Number(u.port) },
            { fraction: n('tail-fraction'), delayMs: n('tail-delay-ms') },
          );
        }),
      )
    : [];
  const primaries = servers.map((s, i) =>
    phase.tail ? Object.assign(new URL(dbUrl(s)), { port: String(proxies[i].port) }).toString() : dbUrl(s),
  );
  const store = await startStore({
    SHARD_URLS: primaries.join(','),
    KAFKA_PARTITIONS: String(partitionCount),
    STORE_WORKERS: opt['store-workers'],
    STORE_CACHE_TTL_MS: opt['cache-ttl-ms'],
    ...(phase.hedged ? { SHARD_REPLICA_URLS: replicaUrls.join(',') } : {}),
  });
  const timing = { warmupMs: n('warmup-s') * 1000, durationMs: n('duration-s') * 1000 };
  const writers = withWriters
    ? new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./purchase-writers.mjs', import.meta.url), {
          workerData: {
            purchaseUrl: opt['purchase-url'],
            clients: n('writers'),
            stores: n('stores'),
            items: n('items'),
            apiKey: process.env.PURCHASE_API_KEY ?? stackApiKey(),
            ...timing,
          },
        });
        worker.once('message', resolve).once('error', reject);
      })
    : Promise.resolve(null);
  const readServers = phase.hedged ? replicaUrls : [];
  await prioritiseReads(store.pid, readServers);
  // Again once the warm-up has opened the store's pools to every shard.
  const reprioritise = setTimeout(
    () => prioritiseReads(store.pid, readServers).catch((error) => log(`read priority: ${error.message}`)),
    Math.min(2_000, timing.warmupMs / 2),
  );
  const probe = schedulerProbe(timing);
  const int = (max) => 1 + Math.floor(Math.random() * max);
  const readers = await httpLoad({
    baseUrl: store.url,
    clients: n('readers'),
    ratePerClient: n('reader-rate'),
    ...timing,
    next: () =>
      Math.random() < 0.5
        ? { name: 'GET /items/store', method: 'GET', path: `/items/store/${int(n('stores'))}` }
        : { name: 'GET /items/top10', method: 'GET', path: `/items/top10/${int(n('items'))}` },
  });
  const metrics = await (await fetch(`${store.url}/metrics`)).text();
  clearTimeout(reprioritise);
  const purchase = await writers;
  const schedulerLatenessMs = await probe;
  if (n('read-priority') !== 0) os.setPriority(process.pid, 0);
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

function commitInfo() {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  return {
    commit: git('rev-parse', 'HEAD'),
    dirty: git('status', '--porcelain', '--', 'services/store').length > 0,
  };
}

const command = `node ${path.relative(ROOT, fileURLToPath(import.meta.url))} ${process.argv
  .slice(2)
  .map((a) => (/^[\w./:=,-]*$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
  .join(' ')}`.trim();
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
};
const replicas = [];
const phases = [];
let expectedRows;
try {
  expectedRows = await prefill();
  let replicaUrls = [];
  if (opt.replica === 'streaming') {
    for (const server of servers) replicas.push(await startReplica(server, await freePort(), log));
    await waitForReplay(replicas, database, expectedRows);
    replicaUrls = replicas.map((r) => r.url(database));
  } else if (opt.replica === 'connection') {
    replicaUrls = servers.map((s) => dbUrl(s));
  }
  const withWriters = await purchaseReachable();
  log(
    withWriters
      ? `purchase load: ${opt.writers} clients on ${opt['purchase-url']}`
      : 'purchase service not reachable or disabled: loading only the store path',
  );
  const plan = [{ name: 'primary-only', hedged: false, tail: false }];
  if (opt.replica !== 'none') plan.push({ name: 'hedged', hedged: true, tail: false });
  if (!opt['no-tail']) {
    plan.push({ name: 'tail-primary-only', hedged: false, tail: true });
    if (opt.replica !== 'none') plan.push({ name: 'tail-hedged', hedged: true, tail: true });
  }
  for (const phase of plan) phases.push(await runPhase(phase, replicaUrls, withWriters));
  machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const result = {
    command,
    ...commitInfo(),
    date: new Date().toISOString(),
    machine,
    settings: { ...opt, replicaKind: opt.replica, purchaseLoad: withWriters },
    targets: { storeP99Ms: 10, top10P99OverStoreP99: 2 },
    phases,
  };
  mkdirSync(opt.out, { recursive: true });
  writeFileSync(path.join(opt.out, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(opt.out, 'README.md'), report(result));
  log(`wrote ${path.relative(ROOT, opt.out)}/results.json and README.md`);
} finally {
  await Promise.all(replicas.map((r) => r.stop()));
  await Promise.all(
    servers.map((s) =>
      onServer(s, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined),
    ),
  );
}

function report(r) {
  const row = (p) => {
    const s = p.readers.latency['GET /items/store'] ?? {};
    const t = p.readers.latency['GET /items/top10'] ?? {};
    const ratio = s.p99Ms && t.p99Ms ? (t.p99Ms / s.p99Ms).toFixed(2) : '–';
    const c = p.store.cache;
    const hitRatio =
      c.hit + c.miss + c.coalesced > 0
        ? ((c.hit + c.coalesced) / (c.hit + c.miss + c.coalesced)).toFixed(2)
        : '–';
    const writes = p.purchase ? `${p.purchase.latency['POST /purchase']?.perSecond ?? 0}/s` : 'none';
    const pct = (x) => (x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
    const v = (x) => x ?? '–';
    return `| ${p.name} | ${v(s.perSecond)}/s | ${pct(s.failureRate)} | ${v(s.p50Ms)} | ${v(s.p99Ms)} | ${v(t.perSecond)}/s | ${pct(t.failureRate)} | ${v(t.p50Ms)} | ${v(t.p99Ms)} | ${ratio} | ${p.store.hedgedRequests} / ${p.store.hedgedWins} | ${hitRatio} | ${writes} | ${v(p.schedulerLatenessMs?.p50Ms)} / ${v(p.schedulerLatenessMs?.p99Ms)} |`;
  };
  return `# Store GET latency

Generated by \`${r.command}\` at commit \`${r.commit}\`${r.dirty ? ' (services/store had uncommitted changes)' : ''} on ${r.date}.

Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, ${r.machine.os}, Node ${r.machine.node};
load average (1/5/15 min) at start ${r.machine.loadAverageAtStart.join(' / ')}, at end ${r.machine.loadAverageAtEnd.join(' / ')}.

Setup: ${r.settings.readers} ${Number(r.settings['reader-rate']) > 0 ? `readers paced at ${r.settings['reader-rate']} requests/s each (${Number(r.settings['reader-rate']) * Number(r.settings.readers)}/s offered; latency counted from when a request was due)` : 'closed-loop readers'} (half \`/items/store/{random store}\`, half \`/items/top10/{random item}\`)
against a store service with STORE_WORKERS=${r.settings['store-workers']}, STORE_CACHE_TTL_MS=${r.settings['cache-ttl-ms']}, reading a
fresh bench database on each stack shard server pre-filled with ${r.settings.stores} stores × ${r.settings['items-per-store']} items of
${r.settings.items} (aggregates only). Purchase load: ${r.settings.purchaseLoad ? `${r.settings.writers} closed-loop clients POSTing to ${r.settings['purchase-url']} (the stack's purchase → Kafka → consumer → shards path, writing to the same PostgreSQL servers)` : 'none (the purchase service was not reachable or --no-purchase-load): only the store path was loaded'}.
${Number(r.settings['read-priority']) !== 0 ? `Read path at nice ${r.settings['read-priority']} (the readers' thread, the store service, its PostgreSQL backends and the scheduling probe); the write path at nice 0.\n` : ''}Replicas for the hedged phases: ${r.settings.replicaKind === 'streaming' ? 'a pg_basebackup hot standby of every shard server, streaming WAL' : r.settings.replicaKind === 'connection' ? 'a second connection pool to the same shard database' : 'none'}.
Tail phases: every primary behind a proxy delaying ${Number(r.settings['tail-fraction']) * 100} % of its response chunks by ${r.settings['tail-delay-ms']} ms.
Targets: \`/items/store\` and \`/items/top10\` p99 ≤ ${r.targets.storeP99Ms} ms; top10 p99 ≤ ${r.targets.top10P99OverStoreP99} × store p99. Latencies in ms, client side, over every HTTP answer (503s included).

| phase | store rate | store non-2xx/404 | store p50 | store p99 | top10 rate | top10 non-2xx/404 | top10 p50 | top10 p99 | top10/store p99 | hedges sent / won | cache hit+coalesced | purchases | 1 ms sleep lateness p50 / p99 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${r.phases.map(row).join('\n')}

The last column is the machine's scheduling floor during the phase: how late a separate process that only
sleeps 1 ms wakes up (scheduler-probe.mjs). No answer on this machine can be faster than the wait for a core.

Full percentiles and status counts: results.json.${r.settings.note ? `\n\nNote: ${r.settings.note}\n` : ''}
`;
}
