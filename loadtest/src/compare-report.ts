/**
 * results/compare/README.md: the table and plots of `make compare` (issue 10), regenerated from every
 * results/compare/<date>-<mode>-<clients>/summary.json (the latest run of each mode × clients wins).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { clientsAxis, renderSvg } from './plots.js';
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
  readonly ledgerOk: boolean;
  readonly dir: string;
  readonly commit: string;
  readonly command: string;
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
    ledgerOk: summary.invariantsHold,
    dir,
    commit: summary.commit,
    command: summary.command,
  };
}

/** The latest run (directories sort by date) of each mode × clients, ordered by mode then clients. */
export function latestPoints(points: readonly ComparePoint[], modeOrder: readonly string[]): ComparePoint[] {
  const latest = new Map<string, ComparePoint>();
  for (const point of [...points].sort((a, b) => a.dir.localeCompare(b.dir))) {
    latest.set(`${point.mode}/${point.clients}`, point);
  }
  const rank = (mode: string) => (modeOrder.includes(mode) ? modeOrder.indexOf(mode) : modeOrder.length);
  return [...latest.values()].sort((a, b) => rank(a.mode) - rank(b.mode) || a.clients - b.clients);
}

const fixed = (value: number, digits: number) => value.toFixed(digits);

export function compareTable(points: readonly ComparePoint[]): string {
  const header =
    '| mode | clients | throughput (purchases/s) | p50 (ms) | p99 (ms) | failed | retries | drain (s) | stack CPU (ms/purchase) | stack cores | ledger |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const rows = points.map(
    (p) =>
      `| ${p.mode} | ${p.clients} | ${Math.round(p.throughput).toLocaleString('en-US')} | ${fixed(p.p50Ms, 1)} | ${fixed(p.p99Ms, 1)} | ${p.failed} | ${p.retries} | ${p.drainS === null ? '–' : fixed(p.drainS, 1)} | ${fixed(p.cpuMsPerPurchase, 3)} | ${fixed(p.coresUsed, 2)} | ${p.ledgerOk ? '✔' : '✘'} |`,
  );
  return [header, rule, ...rows].join('\n');
}

const base = { width: 460, height: 240, background: 'white', config: { font: 'sans-serif' } } as const;

/** One line per mode of `field` against clients (log2 axis). */
export function modeLineSpec(
  points: readonly ComparePoint[],
  field: keyof ComparePoint,
  title: string,
  yTitle: string,
  logY = false,
): TopLevelSpec {
  const clients = [...new Set(points.map((p) => p.clients))].sort((a, b) => a - b);
  return {
    ...base,
    title,
    data: { values: points.map((p) => ({ mode: p.mode, clients: p.clients, value: p[field] ?? 0 })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: clientsAxis(clients),
      y: {
        field: 'value',
        type: 'quantitative',
        title: yTitle,
        scale: logY ? { type: 'symlog' } : { zero: true },
      },
      color: { field: 'mode', type: 'nominal' },
    },
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
  field: keyof ComparePoint;
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
): Promise<ComparePoint[]> {
  const points = latestPoints(readComparePoints(compareDir), modeOrder);
  const plotsDir = path.join(compareDir, 'plots');
  mkdirSync(plotsDir, { recursive: true });
  for (const plot of COMPARE_PLOTS) {
    const logY = 'logY' in plot && plot.logY;
    writeFileSync(
      path.join(plotsDir, plot.file),
      await renderSvg(modeLineSpec(points, plot.field, plot.title, plot.y, logY)),
    );
  }
  writeFileSync(path.join(compareDir, 'README.md'), compareMarkdown(points));
  return points;
}

export function compareMarkdown(points: readonly ComparePoint[]): string {
  const commits = [...new Set(points.map((p) => p.commit))].join(', ') || '–';
  const commands = [...new Set(points.map((p) => p.command))];
  return `# Baselines: kafka-sharded vs sync-db vs rabbitmq

Generated by \`make compare\` (\`loadtest/src/compare.ts\`) from the \`summary.json\` of each run directory
below; do not edit by hand. The same Node load runner (CS6650 profile, closed loop: one client per store)
drives each mode of the same services on this machine, and the ledger of acknowledged purchases is
checked against the database after each run.

- **kafka-sharded**: 201 after Kafka (acks=all) stored the event; a consumer group writes batches to the shards.
- **sync-db**: 201 after the purchase's own transaction committed in one Postgres.
- **rabbitmq**: 201 after RabbitMQ confirmed the persistent message; a consumer writes batches to one Postgres.

Drain time: from the end of the load until the database held every acknowledged purchase (≈ 0 for
sync-db, which writes in the request). Stack CPU: CPU seconds of every process the stack supervises
(services, brokers, Postgres and their exited children, from \`/proc/<pid>/stat\`) from the start of
the load to the end of the drain and ledger check, per acknowledged purchase; the load runner is not
included.

${compareTable(points)}

| | |
| --- | --- |
| ![throughput](plots/throughput.svg) | ![p99](plots/p99.svg) |
| ![p50](plots/p50.svg) | ![cpu](plots/cpu.svg) |
| ![drain](plots/drain.svg) | ![failures](plots/failures.svg) |

Runs: ${points.map((p) => `\`${p.dir}\``).join(', ') || '–'}. Commit(s): ${commits}.
Command(s): ${commands.map((c) => `\`${c}\``).join('; ') || '–'}.
`;
}
