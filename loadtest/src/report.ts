#!/usr/bin/env node
/**
 * Regenerates results/README.md and results/plots/*.svg from every results/<run>/summary.json:
 * `npm run report -w loadtest` (make experiment runs it after the runs). REPORT_SCENARIO picks the
 * scenario plotted (default: the scenario of the most recent run that is not a demo).
 */
import { formatFreshness } from './freshness.js';
import { formatVisibility } from './visibility.js';
import { formatCpuBreakdown } from './summary-table.js';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chaosSection, loadChaosRuns } from './chaos-table.js';
import { REPO_ROOT } from './paths.js';
import { latencySpec, lagSpec, renderSvg, throughputSpec, type LagPoint, type RunPoint } from './plots.js';
import type { RunSummary } from './results.js';

export interface RecordedRun {
  readonly dir: string;
  readonly summary: RunSummary;
}

export function loadRuns(resultsDir: string): RecordedRun[] {
  if (!existsSync(resultsDir)) return [];
  const runs: RecordedRun[] = [];
  for (const name of readdirSync(resultsDir).sort()) {
    const file = path.join(resultsDir, name, 'summary.json');
    if (!existsSync(file)) continue;
    try {
      const summary = JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
      if (summary.load && typeof summary.clients === 'number') runs.push({ dir: name, summary });
    } catch {
      // not a load-runner record
    }
  }
  return runs;
}

/** The most recent run per (scenario, clients), ordered by scenario then clients. */
export function latestRuns(runs: readonly RecordedRun[]): RecordedRun[] {
  const latest = new Map<string, RecordedRun>();
  for (const run of runs) {
    const key = `${run.summary.scenario}/${run.summary.clients}`;
    const seen = latest.get(key);
    if (!seen || seen.summary.load.startedAt < run.summary.load.startedAt) latest.set(key, run);
  }
  return [...latest.values()].sort(
    (a, b) => a.summary.scenario.localeCompare(b.summary.scenario) || a.summary.clients - b.summary.clients,
  );
}

export function plottedScenario(
  runs: readonly RecordedRun[],
  requested: string | undefined,
): string | undefined {
  if (requested) return requested;
  const candidates = runs.filter((r) => r.summary.scenario !== 'demo');
  candidates.sort((a, b) => a.summary.load.startedAt.localeCompare(b.summary.load.startedAt));
  return candidates.at(-1)?.summary.scenario;
}

const n = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Where each run's stack CPU went, by component (runs that recorded it). */
export function cpuSection(runs: readonly RecordedRun[]): string[] {
  const measured = runs.filter((r) => r.summary.cpu);
  if (measured.length === 0) return [];
  return [
    'Stack CPU per acknowledged purchase by component (ms, from /proc, just before the load to after the checks; the load client is `runner CPU`):',
    '',
    ...measured.map((r) => `- [${r.dir}](${r.dir}/): ${formatCpuBreakdown(r.summary.cpu!)}`),
    '',
    ...calibrationLines(runs),
  ];
}

/** An intro and one line per run that recorded the figure; nothing when none did. */
function runsSection(intro: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : [intro, '', ...lines, ''];
}

/** Each run's freshness: receipt to shard commit, and 201 to Store API (runs that recorded them). */
export function freshnessSection(runs: readonly RecordedRun[]): string[] {
  return [
    ...runsSection(
      "Freshness — a purchase's receipt (its event's `receivedAt`, before Kafka's acknowledgement and the 201, so an upper bound of 201 to commit) to its commit on its shard, from the consumer's `consumer_freshness_seconds` histogram read before the load and after the drain; each quantile is the upper bound of its bucket. The Store API shows a commit at most its cache TTL later (`STORE_CACHE_TTL_MS`).",
      runs.flatMap((r) =>
        r.summary.freshness ? [`- [${r.dir}](${r.dir}/): ${formatFreshness(r.summary.freshness)}`] : [],
      ),
    ),
    ...runsSection(
      "Visibility — a purchase's 201 to its effect in the Store API, as a client sees it: during the load a probe posts one purchase to a store of its own every `VISIBILITY_INTERVAL_MS` and reads that store's top 10 every `VISIBILITY_POLL_MS`, through Kafka, the consumer, the shard and the store's cache.",
      runs.flatMap((r) =>
        r.summary.visibility ? [`- [${r.dir}](${r.dir}/): ${formatVisibility(r.summary.visibility)}`] : [],
      ),
    ),
  ];
}

/** The runs measured beside the bare route: what "× bare route" means and each run's two ratios. */
function calibrationLines(runs: readonly RecordedRun[]): string[] {
  const calibrated = runs.filter((r) => r.summary.calibration);
  if (calibrated.length === 0) return [];
  return [
    '"× bare route": the stack CPU per acknowledged purchase over the server CPU per request of a bare express 201 route (the calibrator, src/calibrator.ts), loaded on the same machine right after the run with as many closed-loop clients. Machines of one kind differ severalfold in speed; this ratio travels.',
    '',
    ...calibrated.map((r) => {
      const { calibrator: c, cpuOverBareRoute, throughputOverBareRoute } = r.summary.calibration!;
      return `- [${r.dir}](${r.dir}/): bare route ${n(c.serverCpuMsPerRequest, 3)} ms/request at ${n(c.requestsPerSecond)} requests/s (${c.workers} workers, ${c.connections} clients, ${n(c.seconds, 0)} s); stack CPU per purchase ${n(cpuOverBareRoute, 2)}×, throughput ${n(throughputOverBareRoute, 2)}×`;
    }),
    '',
  ];
}

export function tableRow(run: RecordedRun): string {
  const { summary: s } = run;
  const l = s.load.latency;
  const ok = s.invariantsHold ? '✔' : '✘';
  return `| [${s.scenario}](${run.dir}/) | ${s.clients} | ${n(s.load.purchases.ok)} | ${n(s.load.purchases.failed)} | ${n(s.load.attempts.retries)} | ${n(s.load.wallMs / 1000, 1)} | **${n(s.load.throughputPerSecond)}** | ${n(l.meanMs, 1)} | ${n(l.medianMs, 1)} | ${n(l.p95Ms, 1)} | ${n(l.p99Ms, 1)} | ${n(l.maxMs, 0)} | ${n(s.load.runnerCpu.coresUsed, 2)} | ${s.cpu ? n(s.cpu.stack.msPerPurchase, 3) : '–'} | ${s.calibration ? `${n(s.calibration.cpuOverBareRoute, 2)}×` : '–'} | ${n(s.lag.max)} | ${s.drain ? n(s.drain.drainMs / 1000, 1) : '–'} | ${ok} | \`${s.commit.slice(0, 8)}\`${s.commitDirty ? '+' : ''} |`;
}

const TABLE_HEAD = [
  '| run | clients | purchases | failed | retries | wall (s) | purchases/s | mean (ms) | median | p95 | p99 | max | runner CPU (cores) | stack CPU (ms/purchase) | × bare route | peak lag | drained in (s) | invariants | commit |',
  '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|---|',
].join('\n');

/** A short reading of the plotted runs, from their numbers. */
export function reading(runs: readonly RecordedRun[]): string[] {
  if (runs.length === 0) return [];
  const first = runs[0]!.summary;
  const last = runs.at(-1)!.summary;
  const lines: string[] = [];
  if (runs.length > 1) {
    const ratio = last.load.throughputPerSecond / first.load.throughputPerSecond;
    const clientRatio = last.clients / first.clients;
    lines.push(
      `Throughput went from ${n(first.load.throughputPerSecond)} purchases/s at ${first.clients} clients to ${n(last.load.throughputPerSecond)} at ${last.clients} (×${ratio.toFixed(2)} for ×${clientRatio} clients): ` +
        (ratio < 1.2
          ? 'the system is saturated at the smallest client count, so more closed-loop clients mostly queue.'
          : 'it still scales with the number of clients in this range.'),
    );
    lines.push(
      `Median latency went from ${n(first.load.latency.medianMs, 1)} ms to ${n(last.load.latency.medianMs, 1)} ms and p99 from ${n(first.load.latency.p99Ms, 1)} ms to ${n(last.load.latency.p99Ms, 1)} ms; ` +
        "with a closed loop, latency ≈ clients ÷ throughput (Little's law), so once throughput is flat latency grows with the client count.",
    );
  }
  const peak = runs.reduce((a, b) => (b.summary.lag.max > a.summary.lag.max ? b : a));
  const drains = runs.filter((r) => r.summary.drain).map((r) => r.summary.drain!.drainMs / 1000);
  lines.push(
    `The consumer's peak lag was ${n(peak.summary.lag.max)} messages (${peak.summary.clients} clients)` +
      (drains.length > 0
        ? `; after the load stopped the shards held every acknowledged purchase within ${n(Math.max(...drains), 1)} s.`
        : '.'),
  );
  const cpu = Math.max(...runs.map((r) => r.summary.load.runnerCpu.coresUsed));
  lines.push(`The Node runner used at most ${cpu.toFixed(2)} of the machine's ${first.machine.cpus} cores.`);
  const broken = runs.filter((r) => !r.summary.invariantsHold);
  lines.push(
    broken.length === 0
      ? 'Invariants hold in every run: zero failed purchases after retries, and the ledger of acknowledged purchases equals the shards ((store, item) totals and one purchase row per acknowledged purchase) and the Store API top 10s.'
      : `Invariants FAILED in: ${broken.map((r) => r.dir).join(', ')} (see their summary.json → verify).`,
  );
  const loads = runs.map((r) => r.summary.machine.loadAverageAtStart);
  lines.push(
    `Load average when the runs started: ${loads.map((l) => l.toFixed(1)).join(', ')} (everything — Kafka, four PostgreSQL shards, the three services and the runner — shares these ${first.machine.cpus} cores).`,
  );
  return lines;
}

async function lagPoints(resultsDir: string, runs: readonly RecordedRun[]): Promise<LagPoint[]> {
  const points: LagPoint[] = [];
  for (const run of runs) {
    const file = path.join(resultsDir, run.dir, run.summary.files.lag);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const [t, lag] = line.split(',').map(Number);
      if (Number.isFinite(t) && Number.isFinite(lag))
        points.push({ clients: run.summary.clients, seconds: t! / 1000, lag: lag! });
    }
  }
  return points;
}

/** The command of a scenario's runs: the first run's, with CLIENTS naming every plotted client count. */
export function scenarioCommand(runs: readonly RecordedRun[]): string {
  const command = runs[0]?.summary.command ?? '';
  const clients = runs.map((r) => r.summary.clients).join(',');
  return command.replace(/\bCLIENTS=\d+/, `CLIENTS=${clients}`);
}

/** The directories of records beside the runs that have their own command, and what each holds. */
const RECORD_DIRECTORIES: Readonly<Record<string, string>> = {
  bench: '`make bench`, the component benchmarks',
  compose: '`make compose-test`, docker-compose.yml under load and container kills, beside the native stack',
  k8s: '`make k8s-test`, the local overlay on a single-node Kubernetes cluster, under pod kills and a rolling restart',
  'fresh-check': "`make fresh-check`, the README's two commands in a clean Debian container",
  profile:
    "`make profile`, where the CPU goes: CPU by component and each service's V8 profile by package and function",
  levers:
    '`RESULTS_DIR=results/levers/<lever> … make compare`, one cost lever at a time against a baseline of the same day (docs/report.md §5.5)',
};

/** One line for a directory beside the runs: what produced it, and links to its documents. */
export function describeRecord(resultsDir: string, name: string): string {
  if (name === 'compare') {
    return '[compare](compare/README.md): `make compare`, the designed system and the two earlier designs on the same workload';
  }
  const what = RECORD_DIRECTORIES[name];
  if (what === undefined) return `[${name}](${name})`;
  const dir = path.join(resultsDir, name);
  const documents = readdirSync(dir)
    .sort()
    .map((sub) => {
      const doc = ['README.md', 'latest.md', 'result.md', 'summary.json', 'compare/README.md'].find((f) =>
        existsSync(path.join(dir, sub, f)),
      );
      return doc ? `[${sub}](${name}/${sub}/${doc})` : undefined;
    })
    .filter((link): link is string => link !== undefined);
  return `[${name}](${name}): ${what}${documents.length > 0 ? `: ${documents.join(', ')}` : ''}`;
}

/** The plot files of a scenario, relative to results/plots/. */
export function scenarioPlots(scenario: string): string[] {
  return ['throughput', 'latency', 'lag'].map((kind) => `${scenario}-${kind}.svg`);
}

/** Writes results/plots/<scenario>-{throughput,latency,lag}.svg from the scenario's latest runs. */
async function writeScenarioPlots(resultsDir: string, runs: readonly RecordedRun[]): Promise<void> {
  const points: RunPoint[] = runs.map((r) => ({
    clients: r.summary.clients,
    throughput: r.summary.load.throughputPerSecond,
    meanMs: r.summary.load.latency.meanMs,
    medianMs: r.summary.load.latency.medianMs,
    p95Ms: r.summary.load.latency.p95Ms,
    p99Ms: r.summary.load.latency.p99Ms,
  }));
  const plotsDir = path.join(resultsDir, 'plots');
  mkdirSync(plotsDir, { recursive: true });
  const [throughput, latency, lag] = scenarioPlots(runs[0]!.summary.scenario);
  writeFileSync(path.join(plotsDir, throughput!), await renderSvg(throughputSpec(points)));
  writeFileSync(path.join(plotsDir, latency!), await renderSvg(latencySpec(points)));
  writeFileSync(path.join(plotsDir, lag!), await renderSvg(lagSpec(await lagPoints(resultsDir, runs))));
}

export async function generateReport(resultsDir: string, requestedScenario?: string): Promise<string> {
  const all = latestRuns(loadRuns(resultsDir));
  const scenario = plottedScenario(all, requestedScenario);
  const plotted = all.filter((r) => r.summary.scenario === scenario);
  // Every scenario's plots (not only the one shown here), so that each committed plot is regenerated.
  for (const name of new Set(all.map((r) => r.summary.scenario).filter((s) => s !== 'demo'))) {
    await writeScenarioPlots(
      resultsDir,
      all.filter((r) => r.summary.scenario === name),
    );
  }
  const parts: string[] = [
    '# Results',
    '',
    'Generated by `loadtest/src/report.ts` from every `results/<date>-<scenario>-<clients>/summary.json` — do not edit by',
    'hand; `make experiment` reruns it, or `npm run report -w loadtest`. Each run directory holds `summary.json` (numbers,',
    'workload, retry policy, command, commit, machine), `lag.csv` (consumer lag sampled from its `/metrics`) and',
    '`requests.csv.gz` (every attempt: startTime, type, latencyMs, status, attempt; kept out of git by `.gitignore`).',
    '',
  ];
  if (scenario && plotted.length > 0) {
    const s = plotted[0]!.summary;
    const p = s.profile;
    parts.push(
      `## Scenario \`${scenario}\`: ${plotted.map((r) => r.summary.clients).join(', ')} clients`,
      '',
      `CS6650 client profile: each client is one store sending ${p.hours} "hours" × ${p.purchasesPerHour} purchases back to back, ` +
        `${p.itemsPerPurchase} items each (ids 1…${n(p.maxItemId)}, quantity ${p.quantityPerItem}), custID in the store's ${p.customersPerStore}-customer range, date ${p.date}, seed ${p.seed}; ` +
        'phases east (¼ of the clients) at once, central (¼) when a store has sent 3 hours, west (½) at 5 hours. ' +
        `Retries: up to ${s.retry.maxAttempts} attempts with the same Idempotency-Key. Target: the native stack (${s.targets.partitions} partitions, ${s.targets.shards} shards) on ${s.machine.cpus}× ${s.machine.cpuModel}, ${s.machine.totalMemoryGiB} GiB, Node ${s.machine.node}. Command: \`${scenarioCommand(plotted)}\` (each run's own in its summary.json).`,
      '',
      TABLE_HEAD,
      ...plotted.map(tableRow),
      '',
    );
    const plots = scenarioPlots(scenario);
    parts.push(
      ...plots.map((file) => `![${file}](plots/${file})`),
      '',
      '### Reading',
      '',
      ...reading(plotted).map((l) => `- ${l}`),
      '',
    );
  }
  parts.push(
    '## Every recorded run (latest per scenario and client count)',
    '',
    TABLE_HEAD,
    ...all.map(tableRow),
    '',
    ...cpuSection(all),
    ...freshnessSection(all),
  );
  parts.push(...chaosSection(loadChaosRuns(resultsDir)));
  const runDirs = new Set(all.map((r) => r.dir));
  const others = existsSync(resultsDir)
    ? readdirSync(resultsDir).filter(
        (f) =>
          !runDirs.has(f) &&
          f !== 'README.md' &&
          f !== 'plots' &&
          f !== 'chaos' &&
          !loadRuns(resultsDir).some((r) => r.dir === f),
      )
    : [];
  if (others.length > 0) {
    parts.push(
      '## Other records in this directory',
      '',
      ...others.sort().map((f) => `- ${describeRecord(resultsDir, f)}`),
      '',
    );
  }
  parts.push(
    '## Reproduce',
    '',
    '```sh',
    'make experiment                                   # 256, 512, 1024 clients, the full profile',
    'SCENARIO=pph60 PURCHASES_PER_HOUR=60 make experiment   # shorter, recorded as pph60; every loadtest/README.md variable applies',
    'make demo                                         # one short run at 256 clients',
    '```',
    '',
  );
  const readme = parts.join('\n');
  writeFileSync(path.join(resultsDir, 'README.md'), readme);
  return readme;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = path.resolve(REPO_ROOT, process.env.RESULTS_DIR ?? 'results');
  generateReport(dir, process.env.REPORT_SCENARIO).then(
    () => console.log(`wrote ${path.relative(REPO_ROOT, path.join(dir, 'README.md'))}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
