#!/usr/bin/env node
// The purchase benchmark: the same closed-loop load against (a) a bare express route answering
// 201 and (b) the purchase service publishing to the local Kafka (acks=all), in one run on this
// machine. Writes results/bench/purchase/<time>.{json,md} and latest.{json,md} with the command, the
// commit and the machine beside the numbers. Target: (b)/(a) ≥ 0.8 at 256 connections, zero errors.
//
//   npx tsc -b services/purchase && node services/purchase/bench/bench.mjs \
//     [--connections 256] [--warmup 5] [--duration 20] [--workers N] [--partitions 12]
//
// Needs the native stack's Kafka (`make up`; it is started if it is not running).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { cpuSecondsOfTrees } from '@tillstream/loadtest/process-cpu';
import { createTestTopic, freePort, useStack } from '@tillstream/stack/harness';
import { purchaseBodies, runLoad } from './load.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '256' },
    warmup: { type: 'string', default: '5' },
    duration: { type: 'string', default: '20' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
    partitions: { type: 'string', default: '12' },
    out: { type: 'string', default: path.join(repo, 'results', 'bench', 'purchase') },
  },
});
const connections = Number(args.connections);
const warmupSeconds = Number(args.warmup);
const durationSeconds = Number(args.duration);
const workers = Number(args.workers);
const partitions = Number(args.partitions);

const serviceEntry = path.join(repo, 'services', 'purchase', 'dist', 'main.js');
if (!existsSync(serviceEntry)) {
  console.error(`${serviceEntry} is missing; build first: npx tsc -b services/purchase`);
  process.exit(2);
}

async function waitReady(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`target exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready in ${timeoutMs} ms`);
}

/** Starts a target with its output in a log file (not piped here, where it would cost the load generator CPU). */
async function startTarget(name, args, env) {
  const port = await freePort();
  const logFile = path.join(os.tmpdir(), `bench-purchase-${name}-${process.pid}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, {
    cwd: repo,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child);
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  return { url, stop, logFile, pid: child.pid };
}

/** CPU seconds used so far by each named group of process trees (e.g. a service and its cluster workers). */
function cpuSecondsOf(groups) {
  return Object.fromEntries(Object.entries(groups).map(([name, roots]) => [name, cpuSecondsOfTrees(roots)]));
}

async function eventsOnTopic(brokers, topic) {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

function git(...gitArgs) {
  try {
    return execFileSync('git', gitArgs, { cwd: repo, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const bodies = purchaseBodies(2_000);
const load = { connections, warmupSeconds, durationSeconds, bodies };
const startedAt = new Date();
const loadAverageBefore = os.loadavg();

const stack = await useStack();
const brokerPids = stack.kafka.nodes.map((node) => node.pid).filter((pid) => pid !== undefined);
const topic = await createTestTopic(partitions);
const results = {};
try {
  console.error(`(a) bare express route, ${workers} workers, ${connections} connections …`);
  const baseline = await startTarget('baseline', [path.join(here, 'baseline-server.mjs')], {
    WORKERS: String(workers),
  });
  try {
    results.baseline = await runLoad({
      baseUrl: baseline.url,
      ...load,
      cpuSeconds: () => cpuSecondsOf({ target: [baseline.pid], 'Kafka broker': brokerPids }),
    });
  } finally {
    await baseline.stop();
  }

  console.error(`(b) purchase service → Kafka topic ${topic.topic} …`);
  const service = await startTarget('purchase', [serviceEntry], {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_PARTITIONS: String(partitions),
    PURCHASE_WORKERS: String(workers),
    // The load is CS6650-style clients, which send no API key (the bare express route checks none either).
    PURCHASE_AUTH: 'off',
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
  });
  let exitCode;
  try {
    results.purchase = await runLoad({
      baseUrl: service.url,
      ...load,
      cpuSeconds: () => cpuSecondsOf({ target: [service.pid], 'Kafka broker': brokerPids }),
    });
  } finally {
    exitCode = await service.stop();
  }
  results.purchase.exitCode = exitCode;
  // Every 201 was acknowledged by Kafka, so the topic holds at least as many events as 201s (warm-up
  // included, hence ≥).
  results.purchase.eventsOnTopic = await eventsOnTopic(topic.brokers, topic.topic);
} finally {
  await topic.remove();
}

const ratio = Math.round((results.purchase.throughput / results.baseline.throughput) * 1000) / 1000;
// Both runs saturate the machine's cores, so throughput ≈ cores / CPU per request. If the purchase
// service cost no more CPU per request than the bare route, (b) would still pay the broker's CPU
// per request: that alone bounds (b)/(a) on a machine the broker shares.
const cpuTotal = (r) => Object.values(r.cpuMsPerRequest).reduce((sum, ms) => sum + ms, 0);
const cpuBusy = (r) =>
  Math.round(((cpuTotal(r) * r.requests) / 1000 / r.seconds / os.availableParallelism()) * 100);
const brokerMs = results.purchase.cpuMsPerRequest['Kafka broker'];
const brokerCeiling =
  brokerMs === undefined
    ? null
    : Math.round((cpuTotal(results.baseline) / (cpuTotal(results.baseline) + brokerMs)) * 1000) / 1000;
const report = {
  benchmark: 'purchase: (b) purchase service with Kafka acks=all vs (a) bare express route',
  command:
    `node ${path.relative(repo, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.trim(),
  commit: git('rev-parse', 'HEAD'),
  uncommittedChanges: git('status', '--porcelain', '--', 'services/purchase') !== '',
  startedAt: startedAt.toISOString(),
  machine: {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageBefore: loadAverageBefore.map((v) => Math.round(v * 100) / 100),
  },
  settings: {
    connections,
    warmupSeconds,
    durationSeconds,
    workers,
    partitions,
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

const row = (name, r) =>
  `| ${name} | ${r.throughput} | ${r.latencyMs.p50} | ${r.latencyMs.p90} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.nonCreated} | ${r.loadGeneratorCpuPercent} |`;
const markdown = `# Purchase benchmark — ${report.startedAt}

(b)/(a) throughput ratio: **${ratio}** (target ≥ 0.8, zero errors) — ${report.meetsTarget ? 'met' : 'NOT met'}

| target | 201/s | p50 ms | p90 ms | p99 ms | max ms | non-201 + errors | load generator CPU % |
|---|---|---|---|---|---|---|---|
${row('(a) bare express route', results.baseline)}
${row('(b) purchase service → Kafka', results.purchase)}

CPU milliseconds per answered request over the measured window (user + system, from /proc; the
machine's ${os.availableParallelism()} cores were ${report.cpu.busyPercent.baseline} % busy in (a) and ${report.cpu.busyPercent.purchase} % in (b)):

| target | ${Object.keys(results.purchase.cpuMsPerRequest).join(' | ')} | total |
|---|${Object.keys(results.purchase.cpuMsPerRequest)
  .map(() => '---|')
  .join('')}---|
${['baseline', 'purchase']
  .map(
    (name) =>
      `| ${name === 'baseline' ? '(a)' : '(b)'} | ${Object.keys(results.purchase.cpuMsPerRequest)
        .map((k) => results[name].cpuMsPerRequest[k] ?? '–')
        .join(' | ')} | ${Math.round(cpuTotal(results[name]) * 1000) / 1000} |`,
  )
  .join('\n')}

Broker ceiling: with the purchase service as cheap per request as the bare route, the broker's own
CPU per request would still cap (b)/(a) at **${brokerCeiling ?? 'n/a'}** on this machine, where it shares the cores.

Events on the topic after (b): ${results.purchase.eventsOnTopic} (≥ the ${results.purchase.created} measured 201s plus warm-up).
Purchase service exit code after SIGTERM: ${results.purchase.exitCode}.

- command: \`${report.command}\`
- commit: ${report.commit}${report.uncommittedChanges ? ' (with uncommitted changes in services/purchase)' : ''}
- machine: ${report.machine.cpuModel}, ${report.machine.cpus} CPUs, ${report.machine.memoryGiB} GiB, ${report.machine.platform}, Node ${report.machine.node}, load average before ${report.machine.loadAverageBefore.join(' / ')}
- settings: ${connections} connections, ${warmupSeconds} s warm-up + ${durationSeconds} s measured per target, ${workers} workers each, ${partitions} partitions, Kafka ${report.settings.kafka}
- the load generator, both targets and the Kafka broker share this machine; the ratio is only comparable within one run.
`;

mkdirSync(args.out, { recursive: true });
const stamp = report.startedAt.replace(/[:.]/g, '-');
for (const name of [stamp, 'latest']) {
  writeFileSync(path.join(args.out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(args.out, `${name}.md`), markdown);
}
console.log(markdown);
process.exit(0);
