#!/usr/bin/env node
/**
 * `make compare`: the same CS6650 workload against each MODE (kafka-sharded, sync-db, rabbitmq) at
 * each of CLIENTS, REPETITIONS times, on a stack of that mode brought up for it (its own STACK_DIR
 * and ports, so the data of modes never mixes and a running development stack is left alone). The
 * repetitions of a mode run one round of every client count after another, so the runs of one point
 * are spread over the mode's time on its stack. After each run the ledger is checked; the stack's CPU
 * is read from /proc. Writes results/compare/<date>-<mode>-<clients>-r<n>/summary.json and
 * regenerates results/compare/README.md.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, int, loadConfig, z } from '@tillstream/config';
import { runIfEntry } from './entry.js';
import { generateCompareReport, type CompareRecord } from './compare-report.js';
import { loadLoadConfig, resultsDirSetting, type LoadConfig } from './config.js';
import { REPO_ROOT } from './paths.js';
import { calibrateRun } from './calibrator.js';
import { cpuSecondsOfTrees } from './process-cpu.js';
import { startProvenance } from './provenance.js';
import { costSettingsOf, stackCommand, stackEnvironment, readPrivateStack } from './private-stack.js';
import { addToSummary } from './results.js';
import { executeRun } from './run.js';
import { formatSummaryTable } from './summary-table.js';

// The ports of a private stack, for other tools that start one beside a comparison's.
export { stackEnvironment };

export const COMPARE_MODES = ['kafka-sharded', 'sync-db', 'rabbitmq'] as const;

/** The run order of one mode: `repetitions` rounds, each over every client count. */
export function runPlan(
  clients: readonly number[],
  repetitions: number,
): { clients: number; repetition: number }[] {
  return Array.from({ length: repetitions }, (_, r) =>
    clients.map((c) => ({ clients: c, repetition: r + 1 })),
  ).flat();
}

export function parseModes(value: string | undefined): string[] {
  const modes = (value ?? COMPARE_MODES.join(','))
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const unknown = modes.filter((m) => !(COMPARE_MODES as readonly string[]).includes(m));
  if (unknown.length > 0 || modes.length === 0) {
    throw new ConfigError([`MODES: expected a list of ${COMPARE_MODES.join(', ')}; got ${value}`]);
  }
  return modes;
}

/** The comparison's own settings (the load itself is loadLoadConfig's), parsed once and validated. */
export function loadCompareConfig(env: Record<string, string | undefined>) {
  return loadConfig(
    {
      MODES: z.string().optional(),
      COMPARE_PORT_OFFSET: int(10_000, 0, 50_000),
      COMPARE_STACK_DIR: z.string().default(path.join(REPO_ROOT, '.stack-compare')),
      COOL_DOWN_MS: int(10_000, 0, 600_000),
      REPETITIONS: int(3, 1, 100),
      /** The calibrator's measured window after each run (src/calibrator.ts); 0 leaves it out. */
      CALIBRATOR_SECONDS: int(10, 0, 600),
    },
    env,
    (e) => ({
      repetitions: e.REPETITIONS,
      calibratorSeconds: e.CALIBRATOR_SECONDS,
      modes: parseModes(e.MODES),
      portOffset: e.COMPARE_PORT_OFFSET,
      stackRoot: path.resolve(e.COMPARE_STACK_DIR),
      coolDownMs: e.COOL_DOWN_MS,
    }),
  );
}

async function main(): Promise<number> {
  const base = loadLoadConfig(process.env, { scenario: 'compare' });
  const config = { ...base, resultsDir: path.join(base.resultsDir, 'compare') };
  const {
    modes,
    portOffset: offset,
    stackRoot,
    coolDownMs,
    repetitions,
    calibratorSeconds,
  } = loadCompareConfig(process.env);
  const log = (line: string) => console.log(`[compare] ${line}`);
  // Refuse a dirty tree before any stack starts (each run checks again when it starts).
  startProvenance(REPO_ROOT, path.resolve(REPO_ROOT, config.resultsDir), config.allowDirty);
  const batch = new Date().toISOString();
  const baseline: LoadConfig = {
    ...loadLoadConfig({}, { scenario: 'compare' }),
    resultsDir: config.resultsDir,
  };
  let allHold = true;

  for (const mode of modes) {
    const stackDir = path.join(stackRoot, mode);
    // Prometheus off: its scraping would count as the stack's CPU.
    const env = { ...stackEnvironment(mode, stackDir, offset), PROMETHEUS: 'off' };
    log(`${mode}: fresh stack in ${stackDir}`);
    stackCommand('clean', env);
    stackCommand('up', env);
    try {
      const { state, targets } = await readPrivateStack(stackDir);
      for (const [i, { clients, repetition }] of runPlan(config.clients, repetitions).entries()) {
        if (i > 0) await sleep(coolDownMs);
        const cpuBefore = cpuSecondsOfTrees([state.supervisor.pid]);
        const started = performance.now();
        const { summary, dir } = await executeRun({
          config,
          targets,
          scenario: mode,
          clients,
          repoRoot: REPO_ROOT,
          label: `r${repetition}`,
          stackDir,
          reproduce: {
            target: 'make compare',
            baseline,
            clientsVariable: 'CLIENTS',
            extra: {
              ...resultsDirSetting(process.env),
              // Without PROMETHEUS: every comparison stack runs without it, whatever the caller set.
              ...costSettingsOf({ ...process.env, PROMETHEUS: undefined }),
              MODES: mode,
              REPETITIONS: '1',
            },
          },
          log,
        });
        const intervalMs = performance.now() - started;
        const stackCpuSeconds = cpuSecondsOfTrees([state.supervisor.pid]) - cpuBefore;
        const stackCpuMsPerPurchase = (stackCpuSeconds * 1000) / Math.max(1, summary.load.purchases.ok);
        // The bare route, under as many closed-loop clients, with the stack idle after its checks.
        const calibration = await calibrateRun(
          {
            clients,
            stackCpuMsPerPurchase,
            purchasesPerSecond: summary.load.throughputPerSecond,
          },
          calibratorSeconds,
        );
        const record: CompareRecord = {
          mode,
          stackCpuSeconds,
          stackCpuMsPerPurchase,
          stackCoresUsed: stackCpuSeconds / (intervalMs / 1000),
          intervalMs,
          batch,
          repetition,
          repetitions,
          ...calibration,
        };
        addToSummary(dir, { compare: record });
        console.log(`\n${formatSummaryTable(summary, dir, REPO_ROOT)}`);
        console.log(
          `  stack CPU   ${stackCpuSeconds.toFixed(1)} s = ${record.stackCpuMsPerPurchase.toFixed(3)} ms/purchase (${record.stackCoresUsed.toFixed(2)} cores)` +
            (record.calibrator
              ? `\n  bare route  ${record.calibrator.serverCpuMsPerRequest.toFixed(3)} ms/request, ${Math.round(record.calibrator.requestsPerSecond)} requests/s: ` +
                `stack CPU per purchase ${record.cpuOverBareRoute!.toFixed(2)}×, throughput ${record.throughputOverBareRoute!.toFixed(2)}×`
              : '') +
            '\n',
        );
        allHold &&= summary.invariantsHold;
      }
    } finally {
      stackCommand(config.keepStack ? 'down' : 'clean', env);
    }
  }
  const compareDir = path.resolve(REPO_ROOT, config.resultsDir);
  const cells = await generateCompareReport(compareDir, COMPARE_MODES);
  log(
    `wrote ${path.relative(REPO_ROOT, path.join(compareDir, 'README.md'))} (${cells.length} points) and its plots`,
  );
  return allHold ? 0 : 1;
}

runIfEntry(import.meta.url, main);
