/**
 * The fault-tolerance section of results/README.md: one row per results/chaos/<date>-<scenario>/
 * summary.json written by `make chaos` (chaos/). Only the fields read here are typed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface ChaosRunView {
  readonly dir: string;
  readonly scenario: string;
  readonly startedAt: string;
  readonly description: string;
  readonly faults: number;
  readonly attempts: number;
  readonly purchases: number;
  readonly acknowledged: number;
  readonly lost: number;
  readonly doubleCounted: number;
  readonly firstTryShare: number;
  readonly acknowledgedShare: number;
  readonly worstRecoveryS: number | null;
  readonly unrecovered: number;
  /** Most seconds of degraded throughput one fault caused (absent in summaries before it existed). */
  readonly worstDegradedS: number | null;
  readonly ok: boolean;
  readonly commit: string;
}

interface ChaosSummaryFile {
  kind?: string;
  scenario: string;
  startedAt: string;
  description: string;
  commit: string;
  faults: unknown[];
  load: {
    purchases: { total: number; acknowledged: number };
    attempts: { attempts: number };
    firstTryShare: number;
    acknowledgedShare: number;
  };
  exactlyOnce: { lost: number; duplicated: number; misplaced: number };
  recovery: { worstS: number | null; unrecovered: number; worstDegradedS?: number | null };
  ok: boolean;
}

/** Every chaos run recorded under `<resultsDir>/chaos/`, the latest per scenario, by scenario name. */
export function loadChaosRuns(resultsDir: string): ChaosRunView[] {
  const root = path.join(resultsDir, 'chaos');
  if (!existsSync(root)) return [];
  const latest = new Map<string, ChaosRunView>();
  for (const name of readdirSync(root).sort()) {
    const file = path.join(root, name, 'summary.json');
    if (!existsSync(file)) continue;
    let s: ChaosSummaryFile;
    try {
      s = JSON.parse(readFileSync(file, 'utf8')) as ChaosSummaryFile;
    } catch {
      continue;
    }
    if (s.kind !== 'chaos') continue;
    const view: ChaosRunView = {
      dir: `chaos/${name}`,
      scenario: s.scenario,
      startedAt: s.startedAt,
      description: s.description,
      faults: s.faults.length,
      attempts: s.load.attempts.attempts,
      purchases: s.load.purchases.total,
      acknowledged: s.load.purchases.acknowledged,
      lost: s.exactlyOnce.lost,
      doubleCounted: s.exactlyOnce.duplicated + s.exactlyOnce.misplaced,
      firstTryShare: s.load.firstTryShare,
      acknowledgedShare: s.load.acknowledgedShare,
      worstRecoveryS: s.recovery.worstS,
      unrecovered: s.recovery.unrecovered,
      worstDegradedS: s.recovery.worstDegradedS ?? null,
      ok: s.ok,
      commit: s.commit,
    };
    const seen = latest.get(view.scenario);
    if (!seen || seen.startedAt < view.startedAt) latest.set(view.scenario, view);
  }
  return [...latest.values()].sort((a, b) => a.scenario.localeCompare(b.scenario));
}

const n = (value: number) => value.toLocaleString('en-US');
const pct = (share: number) => `${(share * 100).toFixed(share === 1 ? 0 : 2)} %`;

export function chaosSection(runs: readonly ChaosRunView[]): string[] {
  if (runs.length === 0) return [];
  return [
    '## Fault tolerance (`make chaos`)',
    '',
    'Generated from `results/chaos/<date>-<scenario>/summary.json` (each directory also holds `timeline.svg`: requests/s,',
    'failed attempts/s and consumer lag with the faults marked, and `timeline.csv`). What each component does on each',
    'failure: [docs/fault-tolerance.md](../docs/fault-tolerance.md). Lost and double-counted come from every acknowledged',
    'purchaseId looked up on the shards; "first try" is the share of purchases acknowledged without a retry, "with',
    'retries" the share acknowledged at all; "degraded" counts the seconds, from a fault\'s start, in which',
    'acknowledgements/s were below 80 % of the level before it (what clients felt, including failover while a node',
    'stays cut off); "recovery" is the time from the fault\'s end until they were back at that level.',
    '',
    '| scenario | faults injected | requests | acknowledged | lost | double-counted | first try | with retries | worst degraded (s) | worst recovery (s) | invariants | commit |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|---|',
    ...runs.map(
      (r) =>
        `| [${r.scenario}](${r.dir}/) | ${r.faults} | ${n(r.attempts)} | ${n(r.acknowledged)} of ${n(r.purchases)} | ${n(r.lost)} | ${n(r.doubleCounted)} | ${pct(r.firstTryShare)} | ${pct(r.acknowledgedShare)} | ${r.worstDegradedS ?? '–'} | ${r.worstRecoveryS === null ? '–' : r.worstRecoveryS}${r.unrecovered > 0 ? ` (${r.unrecovered} not within the load)` : ''} | ${r.ok ? '✔' : '✘'} | \`${r.commit.slice(0, 8)}\` |`,
    ),
    '',
    ...runs.map((r) => `- **${r.scenario}**: ${r.description}.`),
    '',
    'Reproduce: `make chaos` (all five), or e.g. `SCENARIOS=kill,netcut make chaos`; see chaos/README.md.',
    '',
  ];
}
