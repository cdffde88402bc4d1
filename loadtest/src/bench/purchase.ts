/**
 * The purchase benchmark: the same closed-loop load against (a) a bare express route answering 201
 * (bare-route.ts) and (b) the purchase service publishing to the local Kafka (acks=all), in one run on
 * this machine. Every request carries an Idempotency-Key of its own, as the load runner's do (so (b)
 * derives each purchase id from its key). Writes results/bench/purchase/<time>.{json,md} and
 * latest.{json,md} with the command, the commit and the machine beside the numbers. Target: (b)/(a)
 * ≥ 0.8 at 256 connections, zero errors.
 *
 *   npx tsc -b services/purchase loadtest && node loadtest/dist/bench/purchase.js \
 *     [--connections 256] [--warmup 5] [--duration 20] [--workers N] [--partitions 12] [--log-level info]
 *     [--out DIR]
 *
 * Needs the native stack's Kafka (`make up`; the harness starts it if it is not running).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminClient, waitForHttp } from '@tillstream/stack';
import { createTestTopic, freePort, useStack } from '@tillstream/stack/harness';
import { runIfEntry } from '../entry.js';
import { REPO_ROOT } from '../paths.js';
import { cpuSecondsOfTrees } from '../process-cpu.js';
import { purchaseFigures, rounded, type PurchaseLoadFigures } from './figures.js';
import { httpLoad } from './http-load.js';
import { purchaseBenchOptions, type PurchaseBenchOptions } from './options.js';
import { keyedPurchaseRequests } from './purchases.js';
import { benchCommand, commitOf, loadAverage, progress } from './record.js';

interface Target {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<number | null>;
}

/** Starts a target with its output in a log file (not piped here, where it would cost the load generator CPU). */
async function startTarget(name: string, entry: string, env: Record<string, string>): Promise<Target> {
  const port = await freePort();
  const log = openSync(path.join(os.tmpdir(), `bench-purchase-${name}-${process.pid}.log`), 'w');
  const child = spawn(process.execPath, [entry], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHttp(`${url}/readyz`, 60_000),
      exited.then((code) => {
        throw new Error(`${name} exited with ${code} before it was ready`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

async function eventsOnTopic(brokers: string[], topic: string): Promise<number> {
  const admin = adminClient(brokers);
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

type Results = {
  baseline: PurchaseLoadFigures;
  purchase: PurchaseLoadFigures & { exitCode?: number | null; eventsOnTopic?: number };
};

const cpuTotal = (r: PurchaseLoadFigures) =>
  Object.values(r.cpuMsPerRequest).reduce((sum, ms) => sum + ms, 0);

async function main(): Promise<number> {
  const options = purchaseBenchOptions(process.argv.slice(2), os.availableParallelism());
  const serviceEntry = path.join(REPO_ROOT, 'services', 'purchase', 'dist', 'main.js');
  if (!existsSync(serviceEntry)) {
    console.error(`${serviceEntry} is missing; build first: npx tsc -b services/purchase`);
    return 2;
  }
  const { connections, warmupSeconds, durationSeconds, workers, partitions } = options;
  const load = (baseUrl: string, cpuSeconds: () => Record<string, number>) => {
    return httpLoad({
      baseUrl,
      clients: connections,
      warmupMs: warmupSeconds * 1000,
      durationMs: durationSeconds * 1000,
      next: keyedPurchaseRequests(`bench-${process.pid}-${baseUrl}`),
      cpuSeconds,
    });
  };
  const startedAt = new Date();
  const loadAverageBefore = loadAverage();

  const stack = await useStack();
  const brokerPids = stack.kafka.nodes.map((node) => node.pid).filter((pid): pid is number => pid !== null);
  const topic = await createTestTopic(partitions);
  const cpuOf = (target: Target) => () => ({
    target: cpuSecondsOfTrees([target.pid]),
    'Kafka broker': cpuSecondsOfTrees(brokerPids),
  });
  let results: Results;
  try {
    progress(`(a) bare express route, ${workers} workers, ${connections} connections …`);
    const baseline = await startTarget(
      'baseline',
      fileURLToPath(new URL('./bare-route.js', import.meta.url)),
      {
        WORKERS: String(workers),
      },
    );
    let baselineFigures: PurchaseLoadFigures;
    try {
      baselineFigures = purchaseFigures(await load(baseline.url, cpuOf(baseline)));
    } finally {
      await baseline.stop();
    }

    progress(`(b) purchase service → Kafka topic ${topic.topic} …`);
    const service = await startTarget('purchase', serviceEntry, {
      KAFKA_BROKERS: topic.brokers.join(','),
      KAFKA_TOPIC: topic.topic,
      KAFKA_PARTITIONS: String(partitions),
      PURCHASE_WORKERS: String(workers),
      // The load is CS6650-style clients, which send no API key (the bare express route checks none either).
      PURCHASE_AUTH: 'off',
      LOG_LEVEL: options.logLevel,
      NODE_ENV: 'production',
    });
    let purchase: PurchaseLoadFigures;
    let exitCode: number | null;
    try {
      purchase = purchaseFigures(await load(service.url, cpuOf(service)));
    } finally {
      exitCode = await service.stop();
    }
    // Every 201 was acknowledged by Kafka, so the topic holds at least as many events as 201s (warm-up
    // included, hence ≥).
    results = {
      baseline: baselineFigures,
      purchase: { ...purchase, exitCode, eventsOnTopic: await eventsOnTopic(topic.brokers, topic.topic) },
    };
  } finally {
    await topic.remove();
  }

  const ratio = rounded(results.purchase.throughput / results.baseline.throughput, 3);
  // Both runs saturate the machine's cores, so throughput ≈ cores / CPU per request. If the purchase
  // service cost no more CPU per request than the bare route, (b) would still pay the broker's CPU
  // per request: that alone bounds (b)/(a) on a machine the broker shares.
  const cpuBusy = (r: PurchaseLoadFigures) =>
    Math.round(((cpuTotal(r) * r.requests) / 1000 / r.seconds / os.availableParallelism()) * 100);
  const brokerMs = results.purchase.cpuMsPerRequest['Kafka broker'];
  const brokerCeiling =
    brokerMs === undefined
      ? null
      : rounded(cpuTotal(results.baseline) / (cpuTotal(results.baseline) + brokerMs), 3);
  const { commit, dirty } = commitOf(['services/purchase']);
  const report = {
    benchmark: 'purchase: (b) purchase service with Kafka acks=all vs (a) bare express route',
    command: benchCommand(import.meta.url, process.argv.slice(2)),
    commit,
    uncommittedChanges: dirty,
    startedAt: startedAt.toISOString(),
    machine: {
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      availableParallelism: os.availableParallelism(),
      memoryGiB: rounded(os.totalmem() / 2 ** 30, 1),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      loadAverageBefore,
    },
    settings: {
      connections,
      warmupSeconds,
      durationSeconds,
      workers,
      partitions,
      logLevel: options.logLevel,
      kafka: topic.brokers.join(','),
    },
    results,
    ratio,
    cpu: {
      busyPercent: { baseline: cpuBusy(results.baseline), purchase: cpuBusy(results.purchase) },
      brokerCeiling,
    },
    target: { ratio: 0.8, errors: 0 },
    meetsTarget: ratio >= 0.8 && results.purchase.nonCreated === 0,
  };
  const markdown = renderMarkdown(report, options);
  mkdirSync(options.out, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  for (const name of [stamp, 'latest']) {
    writeFileSync(path.join(options.out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(options.out, `${name}.md`), markdown);
  }
  console.log(markdown);
  return 0;
}

interface Report {
  readonly command: string;
  readonly commit: string;
  readonly uncommittedChanges: boolean;
  readonly startedAt: string;
  readonly machine: {
    readonly cpuModel: string;
    readonly cpus: number;
    readonly memoryGiB: number;
    readonly platform: string;
    readonly node: string;
    readonly loadAverageBefore: readonly number[];
  };
  readonly settings: { readonly kafka: string };
  readonly results: Results;
  readonly ratio: number;
  readonly cpu: {
    readonly busyPercent: { readonly baseline: number; readonly purchase: number };
    readonly brokerCeiling: number | null;
  };
  readonly meetsTarget: boolean;
}

function renderMarkdown(report: Report, options: PurchaseBenchOptions): string {
  const { results } = report;
  const row = (name: string, r: PurchaseLoadFigures) =>
    `| ${name} | ${r.throughput} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.nonCreated} | ${r.loadGeneratorCpuPercent} |`;
  const processes = Object.keys(results.purchase.cpuMsPerRequest);
  const cpuRow = (label: string, r: PurchaseLoadFigures) =>
    `| ${label} | ${processes.map((k) => r.cpuMsPerRequest[k] ?? '–').join(' | ')} | ${rounded(cpuTotal(r), 3)} |`;
  const { connections, warmupSeconds, durationSeconds, workers, partitions, logLevel } = options;
  return `# Purchase benchmark — ${report.startedAt}

(b)/(a) throughput ratio: **${report.ratio}** (target ≥ 0.8, zero errors) — ${report.meetsTarget ? 'met' : 'NOT met'}

| target | 201/s | p50 ms | p90 ms | p99 ms | max ms | non-201 + errors | load generator CPU % |
|---|---|---|---|---|---|---|---|
${row('(a) bare express route', results.baseline)}
${row('(b) purchase service → Kafka', results.purchase)}

CPU milliseconds per answered request over the measured window (user + system, from /proc; the
machine's ${os.availableParallelism()} cores were ${report.cpu.busyPercent.baseline} % busy in (a) and ${report.cpu.busyPercent.purchase} % in (b)):

| target | ${processes.join(' | ')} | total |
|---|${processes.map(() => '---|').join('')}---|
${cpuRow('(a)', results.baseline)}
${cpuRow('(b)', results.purchase)}

Broker ceiling: with the purchase service as cheap per request as the bare route, the broker's own
CPU per request would still cap (b)/(a) at **${report.cpu.brokerCeiling ?? 'n/a'}** on this machine, where it shares the cores.

Events on the topic after (b): ${results.purchase.eventsOnTopic} (≥ the ${results.purchase.created} measured 201s plus warm-up).
Purchase service exit code after SIGTERM: ${results.purchase.exitCode}.

- command: \`${report.command}\`
- commit: ${report.commit}${report.uncommittedChanges ? ' (with uncommitted changes in services/purchase)' : ''}
- machine: ${report.machine.cpuModel}, ${report.machine.cpus} CPUs, ${report.machine.memoryGiB} GiB, ${report.machine.platform}, Node ${report.machine.node}, load average before ${report.machine.loadAverageBefore.join(' / ')}
- settings: ${connections} connections, ${warmupSeconds} s warm-up + ${durationSeconds} s measured per target, ${workers} workers each, ${partitions} partitions, purchase service LOG_LEVEL ${logLevel}, Kafka ${report.settings.kafka}
- the load generator, both targets and the Kafka broker share this machine; the ratio is only comparable within one run.
`;
}

runIfEntry(import.meta.url, main);
