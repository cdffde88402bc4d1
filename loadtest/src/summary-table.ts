/** The human summary of a run, printed by the CLI, the demo and the experiment. */
import type { CpuBreakdown } from './component-cpu.js';
import { formatFreshness } from './freshness.js';
import { formatVisibility } from './visibility.js';
import path from 'node:path';
import type { RunSummary } from './results.js';
import type { CheckResult } from './verify.js';

const n = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function check(result: CheckResult | undefined, what: string): string {
  if (!result) return `– (not checked: ${what})`;
  if (result.ok) return `✔ (${n(result.checked)} ${what})`;
  return `✘ ${n(result.mismatchCount)} mismatches:\n${result.mismatches.map((m) => `      ${m}`).join('\n')}`;
}

export function formatSummaryTable(summary: RunSummary, dir: string, repoRoot: string): string {
  const { load, drain, verify } = summary;
  const l = load.latency;
  const rows: [string, string][] = [
    [
      'clients',
      `${summary.clients} (${load.phaseStarts.map((p) => `${p.name} ${p.clients} @${(p.atMs / 1000).toFixed(1)} s`).join(', ')})`,
    ],
    ['purchases', `${n(load.purchases.ok)} acknowledged of ${n(load.purchases.total)}`],
    ['wall time', `${(load.wallMs / 1000).toFixed(1)} s`],
    ['throughput', `${n(load.throughputPerSecond)} purchases/s`],
    [
      'latency (ms)',
      `mean ${l.meanMs.toFixed(1)}  median ${l.medianMs.toFixed(1)}  p95 ${l.p95Ms.toFixed(1)}  p99 ${l.p99Ms.toFixed(1)}  max ${l.maxMs.toFixed(1)}`,
    ],
    [
      'failures',
      `${n(load.purchases.failed)} purchases failed after retries; ${n(load.attempts.failed)} failed attempts, ${n(load.attempts.retries)} retries`,
    ],
    [
      'runner CPU',
      `${load.runnerCpu.coresUsed.toFixed(2)} cores (user ${(load.runnerCpu.userMs / 1000).toFixed(1)} s, system ${(load.runnerCpu.systemMs / 1000).toFixed(1)} s)`,
    ],
  ];
  if (summary.cpu) rows.push(['stack CPU', formatCpuBreakdown(summary.cpu)]);
  if (summary.calibration) {
    const { calibrator, cpuOverBareRoute, throughputOverBareRoute } = summary.calibration;
    rows.push([
      'bare route',
      `${calibrator.serverCpuMsPerRequest.toFixed(3)} ms/request, ${n(calibrator.requestsPerSecond)} requests/s: stack CPU per purchase ${cpuOverBareRoute.toFixed(2)}×, throughput ${throughputOverBareRoute.toFixed(2)}×`,
    ]);
  }
  if (drain) {
    rows.push([
      'consumer lag',
      drain.drained
        ? `drained in ${(drain.drainMs / 1000).toFixed(1)} s after the load (peak lag ${n(summary.lag.max)} messages)`
        : `NOT drained after ${(drain.drainMs / 1000).toFixed(0)} s (${n(drain.foundQuantity)} of ${n(drain.expectedQuantity)} items on the shards)`,
    ]);
  }
  if (summary.freshness) rows.push(['freshness', formatFreshness(summary.freshness)]);
  if (summary.visibility) rows.push(['visibility', formatVisibility(summary.visibility)]);
  rows.push(['ledger == shards', check(verify?.shards, '(store, item) totals')]);
  rows.push(['purchase rows', check(verify?.purchaseRows, 'stores, one row per acknowledged purchase')]);
  rows.push(['ledger == Store API', check(verify?.storeApi, "stores' top 10")]);
  if (verify?.storeApi?.retriedAfter503)
    rows.push([
      '',
      `${n(verify.storeApi.retriedAfter503)} of those reads answered 503 first and were retried`,
    ]);
  if (verify?.storeApi?.settledOnReread)
    rows.push([
      '',
      `${n(verify.storeApi.settledOnReread)} stores equalled the ledger only when read again (cache, gateway)`,
    ]);
  const relative = path.relative(repoRoot, dir);
  rows.push(['results', relative.startsWith('..') || relative === '' ? dir : relative]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

/** `1.042 ms/purchase: purchase 0.412, kafka-1 0.101, …` — components by cost, largest first. */
export function formatCpuBreakdown(cpu: CpuBreakdown): string {
  const parts = Object.entries(cpu.components)
    .filter(([, c]) => c.cpuSeconds > 0)
    .sort(([, a], [, b]) => b.cpuSeconds - a.cpuSeconds)
    .map(([name, c]) => `${name} ${c.msPerPurchase.toFixed(3)}${c.replaced ? ' (replaced)' : ''}`);
  return `${cpu.stack.msPerPurchase.toFixed(3)} ms/purchase: ${parts.join(', ')}`;
}
