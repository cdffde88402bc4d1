/**
 * results/compare/README.md: the table and plots of `make compare`, regenerated from every
 * results/compare/<run>/summary.json. A point (mode × clients) shows the runs of the latest
 * `make compare` that measured it: the median of its repetitions and their spread (min–max).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { runIfEntry } from './entry.js';
import { REPO_ROOT } from './paths.js';
import { clientsAxis, renderSvg } from './plots.js';
import type { CalibratorResult } from './calibrator.js';
import type { RunSummary } from './results.js';

/** What `make compare` adds to a run's summary.json. */
export interface CompareRecord {
  readonly mode: string;
  /** CPU seconds of every stack process (supervisor tree) from just before the load to after the check. */
  readonly stackCpuSeconds: number;
  readonly stackCpuMsPerPurchase: number;
  /** stackCpuSeconds over the same interval's wall time. */
  readonly stackCoresUsed: number;
  readonly intervalMs: number;
  /** The `make compare` invocation (its start time) this run belongs to; absent in older records. */
  readonly batch?: string;
  /** 1-based repetition of this mode × clients within the batch, and how many were planned. */
  readonly repetition?: number;
  readonly repetitions?: number;
  /** The bare express route measured after the run (src/calibrator.ts); absent in older records. */
  readonly calibrator?: CalibratorResult;
  readonly cpuOverBareRoute?: number;
  readonly throughputOverBareRoute?: number;
}

export type CompareSummary = RunSummary & { readonly compare: CompareRecord };

export interface ComparePoint {
  readonly mode: string;
  readonly clients: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
  readonly retries: number;
  readonly drainS: number | null;
  readonly cpuMsPerPurchase: number;
  readonly coresUsed: number;
  /** Stack CPU per purchase over the bare route's server CPU per request; null before calibrated runs. */
  readonly cpuOverBareRoute: number | null;
  readonly ledgerOk: boolean;
  readonly dir: string;
  readonly commit: string;
  readonly commitDirty: boolean;
  readonly command: string;
  /** Runs recorded without a batch form a batch of their own (their directory). */
  readonly batch: string;
}

export function toPoint(summary: CompareSummary, dir: string): ComparePoint {
  return {
    mode: summary.compare.mode,
    clients: summary.clients,
    throughput: summary.load.throughputPerSecond,
    p50Ms: summary.load.latency.medianMs,
    p99Ms: summary.load.latency.p99Ms,
    failed: summary.load.purchases.failed,
    retries: summary.load.attempts.retries,
    drainS: summary.drain ? summary.drain.drainMs / 1000 : null,
    cpuMsPerPurchase: summary.compare.stackCpuMsPerPurchase,
    coresUsed: summary.compare.stackCoresUsed,
    cpuOverBareRoute: summary.compare.cpuOverBareRoute ?? null,
    ledgerOk: summary.invariantsHold,
    dir,
    commit: summary.commit,
    commitDirty: summary.commitDirty,
    command: summary.command,
    batch: summary.compare.batch ?? dir,
  };
}

/** The measured fields a point aggregates over its repetitions. */
export const MEASURES = [
  'throughput',
  'p50Ms',
  'p99Ms',
  'failed',
  'retries',
  'drainS',
  'cpuMsPerPurchase',
  'coresUsed',
  'cpuOverBareRoute',
] as const;
export type Measure = (typeof MEASURES)[number];

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** One mode × clients: the runs of the latest batch that measured it. */
export interface CompareCell {
  readonly mode: string;
  readonly clients: number;
  readonly runs: readonly ComparePoint[];
  /** null when no run has the measure (drain of a run without a check). */
  readonly stats: Readonly<Record<Measure, Spread | null>>;
  readonly ledgerOk: boolean;
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/**
 * Groups runs by mode × clients and keeps, for each, the runs of the latest batch (batches sort by
 * their start time, older batch-less records by directory), ordered by mode then clients.
 */
export function aggregatePoints(
  points: readonly ComparePoint[],
  modeOrder: readonly string[],
): CompareCell[] {
  const byCell = new Map<string, ComparePoint[]>();
  for (const point of points) {
    const key = `${point.mode}/${point.clients}`;
    byCell.set(key, [...(byCell.get(key) ?? []), point]);
  }
  const cells: CompareCell[] = [];
  for (const runs of byCell.values()) {
    const latest = runs
      .map((r) => r.batch)
      .sort((a, b) => a.localeCompare(b))
      .at(-1)!;
    const kept = runs.filter((r) => r.batch === latest).sort((a, b) => a.dir.localeCompare(b.dir));
    const stats = Object.fromEntries(
      MEASURES.map((m) => [
        m,
        spread(kept.map((r) => r[m]).filter((v): v is number => typeof v === 'number')),
      ]),
    ) as Record<Measure, Spread | null>;
    cells.push({
      mode: kept[0]!.mode,
      clients: kept[0]!.clients,
      runs: kept,
      stats,
      ledgerOk: kept.every((r) => r.ledgerOk),
    });
  }
  const rank = (mode: string) => (modeOrder.includes(mode) ? modeOrder.indexOf(mode) : modeOrder.length);
  return cells.sort((a, b) => rank(a.mode) - rank(b.mode) || a.clients - b.clients);
}

/** `median (min–max)`, or the median alone when min and max read the same. */
export function formatSpread(value: Spread | null, format: (v: number) => string): string {
  if (!value) return '–';
  const [median, min, max] = [format(value.median), format(value.min), format(value.max)];
  return min === max ? median : `${median} (${min}–${max})`;
}

const fixed = (digits: number) => (value: number) => value.toFixed(digits);
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

export function compareTable(cells: readonly CompareCell[]): string {
  const header =
    '| mode | clients | runs | throughput (purchases/s) | p50 (ms) | p99 (ms) | failed | retries | drain (s) | stack CPU (ms/purchase) | stack cores | stack CPU ÷ bare route | ledger |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const rows = cells.map((c) => {
    const s = c.stats;
    return `| ${c.mode} | ${c.clients} | ${c.runs.length} | ${formatSpread(s.throughput, thousands)} | ${formatSpread(s.p50Ms, fixed(1))} | ${formatSpread(s.p99Ms, fixed(1))} | ${formatSpread(s.failed, thousands)} | ${formatSpread(s.retries, thousands)} | ${formatSpread(s.drainS, fixed(1))} | ${formatSpread(s.cpuMsPerPurchase, fixed(3))} | ${formatSpread(s.coresUsed, fixed(2))} | ${formatSpread(s.cpuOverBareRoute, fixed(2))} | ${c.ledgerOk ? '✔' : '✘'} |`;
  });
  return [header, rule, ...rows].join('\n');
}

const base = { width: 460, height: 240, background: 'white', config: { font: 'sans-serif' } } as const;

/** One line per mode through the medians of `field` against clients (log2 axis), a bar over min–max. */
export function modeLineSpec(
  cells: readonly CompareCell[],
  field: Measure,
  title: string,
  yTitle: string,
  logY = false,
): TopLevelSpec {
  const clients = [...new Set(cells.map((c) => c.clients))].sort((a, b) => a - b);
  const y = {
    type: 'quantitative' as const,
    title: yTitle,
    scale: logY ? { type: 'symlog' as const } : { zero: true },
  };
  return {
    ...base,
    title,
    data: {
      values: cells.map((c) => ({
        mode: c.mode,
        clients: c.clients,
        runs: c.runs.length,
        value: c.stats[field]?.median ?? 0,
        min: c.stats[field]?.min ?? 0,
        max: c.stats[field]?.max ?? 0,
      })),
    },
    encoding: { x: clientsAxis(clients), color: { field: 'mode', type: 'nominal' } },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { y: { field: 'min', ...y }, y2: { field: 'max' } },
      },
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'value', ...y } } },
    ],
  };
}

export const COMPARE_PLOTS = [
  {
    file: 'throughput.svg',
    field: 'throughput',
    title: 'Throughput vs clients',
    y: 'acknowledged purchases/s',
  },
  { file: 'p50.svg', field: 'p50Ms', title: 'Median latency vs clients', y: 'p50 (ms)', logY: true },
  { file: 'p99.svg', field: 'p99Ms', title: 'p99 latency vs clients', y: 'p99 (ms)', logY: true },
  { file: 'failures.svg', field: 'failed', title: 'Purchases failed after retries', y: 'purchases' },
  { file: 'drain.svg', field: 'drainS', title: 'Drain time after the load', y: 'seconds' },
  { file: 'cpu.svg', field: 'cpuMsPerPurchase', title: 'Stack CPU per purchase', y: 'CPU ms per purchase' },
] as const satisfies readonly {
  file: string;
  field: Measure;
  title: string;
  y: string;
  logY?: boolean;
}[];

export function readComparePoints(compareDir: string): ComparePoint[] {
  if (!existsSync(compareDir)) return [];
  const points: ComparePoint[] = [];
  for (const name of readdirSync(compareDir).sort()) {
    const file = path.join(compareDir, name, 'summary.json');
    if (!existsSync(file)) continue;
    const summary = JSON.parse(readFileSync(file, 'utf8')) as Partial<CompareSummary>;
    if (summary.compare) points.push(toPoint(summary as CompareSummary, name));
  }
  return points;
}

/** Writes README.md and plots/*.svg into `compareDir`; returns the points it shows. */
export async function generateCompareReport(
  compareDir: string,
  modeOrder: readonly string[],
): Promise<CompareCell[]> {
  const cells = aggregatePoints(readComparePoints(compareDir), modeOrder);
  const plotsDir = path.join(compareDir, 'plots');
  mkdirSync(plotsDir, { recursive: true });
  for (const plot of COMPARE_PLOTS) {
    const logY = 'logY' in plot && plot.logY;
    writeFileSync(
      path.join(plotsDir, plot.file),
      await renderSvg(modeLineSpec(cells, plot.field, plot.title, plot.y, logY)),
    );
  }
  writeFileSync(path.join(compareDir, 'README.md'), compareMarkdown(cells));
  return cells;
}

/**
 * One command for every point shown: the first run's, with MODES, CLIENTS and REPETITIONS naming all
 * the modes, client counts and the most runs of a point.
 */
export function batchCommand(cells: readonly CompareCell[]): string {
  const command = cells[0]?.runs[0]?.command;
  if (!command) return '–';
  const modes = [...new Set(cells.map((c) => c.mode))].join(',');
  const clients = [...new Set(cells.map((c) => c.clients))].sort((a, b) => a - b).join(',');
  const repetitions = Math.max(...cells.map((c) => c.runs.length));
  return command
    .replace(/\bMODES=\S+/, `MODES=${modes}`)
    .replace(/\bCLIENTS=\S+/, `CLIENTS=${clients}`)
    .replace(/\bREPETITIONS=\S+/, `REPETITIONS=${repetitions}`);
}

export function compareMarkdown(cells: readonly CompareCell[]): string {
  const points = cells.flatMap((c) => c.runs);
  const commits =
    [...new Set(points.map((p) => `\`${p.commit.slice(0, 12)}\`${p.commitDirty ? '+' : ''}`))].join(', ') ||
    '–';
  return `# Baselines: kafka-sharded vs sync-db vs rabbitmq

Generated by \`make compare\` (\`loadtest/src/compare.ts\`) from the \`summary.json\` of each run directory
below; do not edit by hand. The same Node load runner (CS6650 profile, closed loop: one client per store)
drives each mode of the same services on this machine, and the ledger of acknowledged purchases is
checked against the database after each run.

- **kafka-sharded**: the designed system. 201 after Kafka (acks=all) stored the event; a consumer group
  writes batches to the shards.
- **sync-db**: the CS6650 assignment's first design, synchronous database writes. 201 after the
  purchase's own transaction committed in one Postgres.
- **rabbitmq**: the assignment's next design, RabbitMQ between the API and the writer. 201 after
  RabbitMQ confirmed the persistent message; a consumer writes batches to one Postgres.

Drain time: from the end of the load until the database held every acknowledged purchase (≈ 0 for
sync-db, which writes in the request). Stack CPU: CPU seconds of every process the stack supervises
(services, brokers, Postgres and their exited children, from \`/proc/<pid>/stat\`) from the start of
the load to the end of the drain and ledger check, per acknowledged purchase; the load runner is not
included.

Each row shows the runs of the latest \`make compare\` that measured that mode × clients
(\`REPETITIONS\` runs per point, default 3; the repetitions of a point are separated by the runs of
the other client counts on the same stack): the median, and in brackets the smallest and largest of
the runs when they differ. The plots draw the median and a bar from the smallest to the largest run.
A row with one run shows that run alone.

${compareTable(cells)}

| | |
| --- | --- |
| ![throughput](plots/throughput.svg) | ![p99](plots/p99.svg) |
| ![p50](plots/p50.svg) | ![cpu](plots/cpu.svg) |
| ![drain](plots/drain.svg) | ![failures](plots/failures.svg) |

Runs: ${points.map((p) => `\`${p.dir}\``).join(', ') || '–'}.
Commit(s): ${commits} (\`+\`: recorded from a tree with uncommitted changes).
Command: \`${batchCommand(cells)}\` (each run's own command, which reproduces it alone, is in its summary.json).
`;
}

// `node loadtest/dist/compare-report.js [compareDir]`: regenerates the README and plots alone.
runIfEntry(import.meta.url, async () => {
  const dir = path.resolve(REPO_ROOT, process.argv[2] ?? 'results/compare');
  const cells = await generateCompareReport(dir, ['kafka-sharded', 'sync-db', 'rabbitmq']);
  console.log(`wrote ${path.relative(REPO_ROOT, path.join(dir, 'README.md'))} (${cells.length} points)`);
  return 0;
});
