// Every dashboard panel and every rule, proven against a live Prometheus scraping the real services.
//
// The test starts purchase, consumer and two store instances (one with a shard that does not answer)
// on its own topic and shard databases, a Prometheus (Debian's binary) scraping them every second with
// the shipped rules, drives purchases (some rejected), a poison event and store reads (some 404) through
// the real pipeline, and (when a k6 is installed) runs loadtest/k6/run.sh remote-writing into the same
// Prometheus. Then it runs
// every panel's PromQL over the test's time range and every rule expression through the HTTP API.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';
import {
  createTestShards,
  createTestTopic,
  freePort,
  startService,
  uniqueName,
  type RunningService,
  type TestShards,
  type TestTopic,
} from '@tillstream/stack/harness';
import { RULES_DIR } from '../../prometheus/src/promtool.js';
import { DASHBOARDS_DIR } from '../src/generate.js';
import { contractViolations, parseExposition, type Exposed } from '../src/metrics-contract.js';
import { dashboardQueries, panelsOf, type DashboardJson } from '../src/queries.js';

const REPO_ROOT = path.resolve(RULES_DIR, '..', '..', '..');
const API_KEY = `obs-${randomBytes(8).toString('hex')}`;
const PARTITIONS = 4;
const STORES = 24;
const TRACE_ID = randomBytes(16).toString('hex');
const K6_SYSTEM_TAGS =
  'proto,subproto,status,method,group,check,error,error_code,tls_version,scenario,service,expected_response';
/** What Grafana would use for $__rate_interval with the 1 s scrape interval of this test's Prometheus. */
const RATE_INTERVAL = '30s';

const dashboards = readdirSync(DASHBOARDS_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(DASHBOARDS_DIR, f), 'utf8')) as DashboardJson);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
const rules: Rule[] = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.yml'))
  .flatMap((f) =>
    (parse(readFileSync(path.join(RULES_DIR, f), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
      (g) => g.rules,
    ),
  );

let topic: TestTopic;
let shards: TestShards;
let purchase: RunningService;
let consumer: RunningService;
let store: RunningService;
let storeWithShardDown: RunningService;
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;
let prometheusLog = '';
const workdir = mkdtempSync(path.join(tmpdir(), 'panels-e2e-'));
let startedAt: number;
/** /metrics of every service instance, scraped after the load. */
const exposed: Exposed = new Map();

// --- Prometheus ---------------------------------------------------------------------------------

async function startPrometheus(targets: Record<string, RunningService[]>): Promise<void> {
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [path.join(RULES_DIR, '*.yml')],
    scrape_configs: Object.entries(targets).map(([job, instances]) => ({
      job_name: job,
      static_configs: [{ targets: instances.map((s) => `127.0.0.1:${s.port}`) }],
    })),
  };
  const configFile = path.join(workdir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config));
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(workdir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  prometheus.stderr!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  await waitUntil('Prometheus ready', async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, 30_000);
}

interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
  };
}

async function api(endpoint: string, params: Record<string, string>): Promise<QueryResult> {
  const response = await fetch(`${prometheusUrl}/api/v1/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return (await response.json()) as QueryResult;
}

function rangeQuery(expr: string): Promise<QueryResult> {
  return api('query_range', {
    query: expr,
    start: String(startedAt / 1000),
    end: String(Date.now() / 1000),
    step: '2',
  });
}

function hasFiniteValue(result: QueryResult): boolean {
  return (result.data?.result ?? []).some((series) =>
    (series.values ?? (series.value ? [series.value] : [])).some(([, v]) => Number.isFinite(Number(v))),
  );
}

// --- load ---------------------------------------------------------------------------------------

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

interface PurchaseRequest {
  readonly storeId: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function purchaseRequests(): PurchaseRequest[] {
  const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  const requests: PurchaseRequest[] = [];
  for (let i = 0; i < 240; i++) {
    const storeId = 1 + (i % STORES);
    const items = Array.from({ length: 1 + (i % 4) }, (_, k) => ({
      ItemID: String(1 + ((i * 7 + k) % 40)),
      'numberOfItems:': 1 + k,
    }));
    const headers: Record<string, string> = { ...auth };
    // Every tenth purchase is sent twice with the same Idempotency-Key: the consumer skips the duplicate.
    if (i % 10 === 0) headers['idempotency-key'] = `obs-${startedAt}-${i}`;
    if (i === 1) headers.traceparent = `00-${TRACE_ID}-${randomBytes(8).toString('hex')}-01`;
    requests.push({ storeId, headers, body: JSON.stringify({ items }) });
    if (i % 10 === 0) requests.push({ storeId, headers, body: JSON.stringify({ items }) });
  }
  for (let i = 0; i < 15; i++) requests.push({ storeId: 1, headers: auth, body: '{"items": "not a list"}' });
  for (let i = 0; i < 10; i++) {
    requests.push({
      storeId: 2,
      headers: { 'content-type': 'application/json' },
      body: '{"items":[{"ItemID":"1","numberOfItems":1}]}',
    });
  }
  return requests;
}

async function postPurchases(): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  await pool(purchaseRequests(), 6, async (request) => {
    const response = await fetch(
      `${purchase.url}/purchase/${request.storeId}/customer/${request.storeId * 1000 + 1}/date/20210101`,
      {
        method: 'POST',
        headers: request.headers,
        body: request.body,
      },
    );
    await response.arrayBuffer();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  });
  return statuses;
}

/** An event the consumer cannot decode: it must go to the dead-letter topic. */
async function producePoisonEvent(): Promise<void> {
  const kafka = new Kafka({ clientId: 'panels-e2e', brokers: topic.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: topic.topic,
      messages: [{ key: '1', value: 'this is not a purchase event' }],
    });
  } finally {
    await producer.disconnect();
  }
}

async function metricValue(service: RunningService, metric: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

async function readStores(seconds: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const get = async (url: string) => {
    const response = await fetch(url);
    await response.arrayBuffer();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  };
  const until = Date.now() + seconds * 1000;
  let round = 0;
  while (Date.now() < until) {
    round++;
    const id = 1 + (round % STORES);
    const urls = [
      `/items/store/${id}`,
      `/items/top10/${1 + (round % 40)}`,
      '/no-such-route',
      '/items/store/not-a-number',
    ];
    await Promise.all([
      ...urls.map((u) => get(`${store.url}${u}`)),
      get(`${storeWithShardDown.url}/items/top10/${1 + (round % 40)}`),
      get(`${storeWithShardDown.url}/items/top10/${1 + (round % 40)}?partial=true`),
    ]);
    await sleep(40);
  }
  return statuses;
}

// k6 is the user's own tool, never fetched or built by the project (loadtest/README.md): the k6
// dashboard is checked against a real k6 run only when one is on PATH or in K6_BIN.
const K6_AVAILABLE = Boolean(process.env.K6_BIN) || spawnSync('sh', ['-c', 'command -v k6']).status === 0;

async function runK6(): Promise<void> {
  const child = spawn('bash', ['loadtest/k6/run.sh', '--quiet'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PROMETHEUS_RW: '1',
      K6_PROMETHEUS_RW_SERVER_URL: `${prometheusUrl}/api/v1/write`,
      K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
      // k6's default tags minus url and name: the script's URLs carry store and customer ids, which
      // would make every k6_http_* series a single sample (see docs/observability.md).
      K6_SYSTEM_TAGS: K6_SYSTEM_TAGS,
      PURCHASE_URL: purchase.url,
      API_KEY,
      STORES: '4',
      // Enough for several remote-write pushes (rates need two samples per series).
      PURCHASES_PER_HOUR: '30',
      HOURS: '9',
      STORE_ID_BASE: '500',
      P99_MS: '10000',
      SUMMARY_FILE: path.join(workdir, 'k6-summary.json'),
    },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `k6 failed:\n${output}`);
  console.error(
    `[panels] k6 run took ${((Date.now() - started) / 1000).toFixed(1)} s (build check included)`,
  );
}

// --- setup --------------------------------------------------------------------------------------

before(async () => {
  startedAt = Date.now();
  [topic, shards] = await Promise.all([createTestTopic(PARTITIONS), createTestShards(undefined, PARTITIONS)]);
  const kafka = {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_DLQ_TOPIC: topic.dlqTopic,
    KAFKA_PARTITIONS: String(PARTITIONS),
  };
  const shardUrls = shards.urls.join(',');
  // A shard URL nobody listens on: that store instance sees shard 3 down.
  const deadShard = new URL(shards.urls[3]!);
  deadShard.port = String(await freePort());
  const storeEnv = {
    KAFKA_PARTITIONS: String(PARTITIONS),
    STORE_WORKERS: '1',
    STORE_HEDGE_MIN_SAMPLES: '5',
    STORE_SHARD_PROBE_INTERVAL_MS: '500',
  };
  const options = { timeoutMs: 120_000 };
  [purchase, consumer, store, storeWithShardDown] = await Promise.all([
    startService(
      'purchase',
      { ...kafka, PURCHASE_WORKERS: '1', PURCHASE_API_KEYS: API_KEY, LOG_LEVEL: 'debug' },
      options,
    ),
    startService(
      'consumer',
      {
        ...kafka,
        KAFKA_GROUP_ID: uniqueName('panels'),
        SHARD_URLS: shardUrls,
        CONSUMER_LAG_INTERVAL_MS: '500',
        SHARD_PROBE_INTERVAL_MS: '500',
        // Per-purchase commit lines (with their trace id) are debug-level.
        LOG_LEVEL: 'debug',
      },
      options,
    ),
    // Each shard is its own "replica" here, so hedged requests really go out.
    startService('store', { ...storeEnv, SHARD_URLS: shardUrls, SHARD_REPLICA_URLS: shardUrls }, options),
    startService(
      'store',
      { ...storeEnv, SHARD_URLS: [...shards.urls.slice(0, 3), deadShard.toString()].join(',') },
      { ...options, waitFor: '/healthz' },
    ),
  ]);
  await startPrometheus({ purchase: [purchase], consumer: [consumer], store: [store, storeWithShardDown] });
  // A sample of every service from before the load: the load is a burst of a second or two, and the
  // panels' rates need a sample on each side of it.
  await waitUntil(
    'Prometheus to scrape every service once',
    async () => (await api('query', { query: 'up == 1' })).data?.result.length === 4,
    30_000,
  );

  const purchaseStatuses = await postPurchases();
  assert.ok((purchaseStatuses.get(201) ?? 0) >= 200, `purchases: ${JSON.stringify([...purchaseStatuses])}`);
  assert.equal(purchaseStatuses.get(400), 15);
  assert.equal(purchaseStatuses.get(401), 10);
  await producePoisonEvent();
  // Every accepted purchase written (duplicates skipped) and the poison event dead-lettered.
  await waitUntil(
    'the consumer to drain',
    async () =>
      (await metricValue(consumer, 'consumer_rows_written_total')) >= 240 &&
      (await metricValue(consumer, 'consumer_dlq_events_total')) >= 1,
    90_000,
  );
  const storeStatuses = await readStores(12);
  for (const status of [200, 404, 503])
    assert.ok(storeStatuses.has(status), `store: ${JSON.stringify([...storeStatuses])}`);
  if (K6_AVAILABLE) await runK6();
  for (const service of [purchase, consumer, store, storeWithShardDown]) {
    parseExposition(await (await fetch(`${service.url}/metrics`)).text(), exposed);
  }
  // A sample of the final state, and a few rule evaluations over it.
  await waitUntil(
    'Prometheus to scrape the final state',
    async () => hasFiniteValue(await api('query', { query: 'consumer_rows_written_total >= 240' })),
    30_000,
  );
  await waitUntil(
    'the recording rules to evaluate over it',
    async () => hasFiniteValue(await api('query', { query: 'job:consumer_freshness_seconds:p99_rate5m' })),
    30_000,
  );
});

after(async () => {
  prometheus?.kill('SIGTERM');
  await Promise.all([purchase, consumer, store, storeWithShardDown].map((s) => s?.stop()));
  await Promise.all([topic?.remove(), shards?.remove()]);
  rmSync(workdir, { recursive: true, force: true });
});

// --- the proofs ---------------------------------------------------------------------------------

for (const dashboard of dashboards) {
  describe(`dashboard ${dashboard.title}`, () => {
    // The k6 dashboard's data comes from a k6 run.
    const skip = dashboard.uid === 'tillstream-k6' && !K6_AVAILABLE ? 'no k6 on PATH or in K6_BIN' : false;
    it('runs every panel query without error and every panel returns data', { skip }, async () => {
      const queries = dashboardQueries(dashboard, { rateInterval: RATE_INTERVAL, range: '15m' });
      const errors: string[] = [];
      const withData = new Set<number>();
      for (const query of queries) {
        const result = await rangeQuery(query.expr);
        if (result.status !== 'success')
          errors.push(`${query.panelTitle} ${query.refId}: ${result.error} in ${query.expr}`);
        else if (hasFiniteValue(result)) withData.add(query.panelId);
      }
      assert.deepEqual(errors, []);
      const empty = panelsOf(dashboard)
        .filter((p) => !withData.has(p.id))
        .map(
          (p) =>
            `${p.title}: ${queries
              .filter((q) => q.panelId === p.id)
              .map((q) => q.expr)
              .join(' | ')}`,
        );
      assert.deepEqual(empty, [], 'panels without data');
    });
  });
}

describe('rules', () => {
  it('every recording and alert expression is valid against the live data', async () => {
    const errors: string[] = [];
    for (const rule of rules) {
      const result = await api('query', { query: rule.expr });
      if (result.status !== 'success') errors.push(`${rule.alert ?? rule.record}: ${result.error}`);
    }
    assert.deepEqual(errors, []);
  });

  it('Prometheus loaded every rule and evaluates each without error', async () => {
    const response = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const loaded = response.data.groups.flatMap((g) => g.rules);
    assert.equal(loaded.length, rules.length);
    const unhealthy = loaded
      .filter((r) => r.health !== 'ok')
      .map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`);
    assert.deepEqual(unhealthy, [], prometheusLog);
  });

  it('the recording rules produce series from the services’ metrics', async () => {
    for (const rule of rules.filter((r) => r.record && !r.record.includes('errors'))) {
      const result = await api('query', { query: rule.record! });
      assert.ok(hasFiniteValue(result), `${rule.record} has no data`);
    }
  });

  it('the alerts see the faults the test made: a shard down, a dead-lettered event, degraded answers', async () => {
    const response = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as {
      data: { alerts: { labels: Record<string, string>; state: string }[] };
    };
    const alerts = response.data.alerts.map((a): Record<string, string> => ({ ...a.labels, state: a.state }));
    assert.ok(
      alerts.some((a) => a.alertname === 'ShardDown' && a.job === 'store' && a.shard === '3'),
      JSON.stringify(alerts),
    );
    assert.ok(
      alerts.some((a) => a.alertname === 'DeadLetterEvents' && a.job === 'consumer'),
      JSON.stringify(alerts),
    );
    assert.ok(
      alerts.some((a) => a.alertname === 'StoreDegradedAnswers' && a.kind === 'unavailable'),
      JSON.stringify(alerts),
    );
    // Nothing else is wrong: only shard 3 of that one store is down, and no target stayed down (one slow
    // scrape on a busy machine may make TargetDown pending, never firing).
    assert.ok(
      !alerts.some((a) => a.alertname === 'ShardDown' && a.job === 'consumer'),
      JSON.stringify(alerts),
    );
    assert.ok(!alerts.some((a) => a.alertname === 'ShardDown' && a.shard !== '3'), JSON.stringify(alerts));
    assert.ok(
      !alerts.some((a) => a.alertname === 'TargetDown' && a.state === 'firing'),
      JSON.stringify(alerts),
    );
  });
});

describe('metrics contract', () => {
  const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
  const options = {
    targetLabels: ['job', 'instance'],
    ignoreMetric: (name: string) => name === 'up' || recorded.has(name) || name.startsWith('k6_'),
    valueLabels: ['service'],
  };

  it('every metric and label a dashboard or rule uses appears in the services’ /metrics', () => {
    const expressions = [
      ...dashboards.flatMap((d) =>
        dashboardQueries(d, { rateInterval: RATE_INTERVAL, range: '15m' }).map((q) => q.expr),
      ),
      ...rules.map((r) => r.expr),
    ];
    const violations = expressions.flatMap((expr) =>
      contractViolations(expr, exposed, options).map((v) => `${v} in ${expr}`),
    );
    assert.deepEqual([...new Set(violations)], []);
  });

  it(
    'every k6 metric and label the k6 dashboard uses was remote-written by the k6 run',
    {
      skip: K6_AVAILABLE ? false : 'no k6 on PATH or in K6_BIN',
    },
    async () => {
      const k6Dashboard = dashboards.find((d) => d.uid === 'tillstream-k6')!;
      const series = await api('series', {
        'match[]': '{__name__=~"k6_.+"}',
        start: String(startedAt / 1000),
      });
      const k6Exposed: Exposed = new Map();
      for (const s of (series.data as unknown as Record<string, string>[]) ?? []) {
        const { __name__: name, ...labels } = s;
        parseExposition(
          `${name}{${Object.entries(labels)
            .map(([k, v]) => `${k}="${v}"`)
            .join(',')}} 1`,
          k6Exposed,
        );
      }
      // Counted only when the script gives up on a purchase (the panel reads `or vector(0)`).
      const optional = (name: string) => name === 'k6_purchases_failed_total';
      const violations = dashboardQueries(k6Dashboard, { rateInterval: RATE_INTERVAL, range: '15m' }).flatMap(
        (q) =>
          contractViolations(q.expr, k6Exposed, { ...options, ignoreMetric: optional }).map(
            (v) => `${v} in ${q.expr}`,
          ),
      );
      assert.deepEqual([...new Set(violations)], []);
    },
  );
});

describe('logs', () => {
  it('follow one purchase: the trace id of its traceparent appears in the purchase and consumer logs', () => {
    assert.match(purchase.output(), new RegExp(`"audit":"purchase_accepted".*"traceId":"${TRACE_ID}"`));
    assert.match(consumer.output(), new RegExp(`"traceId":"${TRACE_ID}".*"msg":"purchase committed"`));
  });
});
