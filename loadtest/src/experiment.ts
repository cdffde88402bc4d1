#!/usr/bin/env node
/**
 * `make experiment`: the full CS6650 profile at each of CLIENTS (default 256, 512, 1024) on the local
 * stack, one recorded run each under results/<date>-<SCENARIO>-<clients>/, then results/README.md and
 * its plots regenerated. Every load-runner variable applies (e.g. PURCHASES_PER_HOUR=60 to shorten).
 * After each run on the local stack the calibrator (src/calibrator.ts) loads the bare express route for
 * CALIBRATOR_SECONDS, and the run's summary.json records its stack CPU per purchase and its throughput
 * as multiples of the route's. Stops the stack it started unless KEEP=1.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { int, loadConfig } from '@tillstream/config';
import { calibrateRun } from './calibrator.js';
import { loadLoadConfig, resultsDirSetting } from './config.js';
import { costSettingsOf } from './private-stack.js';
import { runIfEntry } from './entry.js';
import { REPO_ROOT } from './paths.js';
import { startProvenance } from './provenance.js';
import { generateReport } from './report.js';
import { addToSummary } from './results.js';
import { executeRun } from './run.js';
import { openStackSession } from './stack-session.js';
import { formatSummaryTable } from './summary-table.js';

/** The experiment's own settings (the load itself is loadLoadConfig's), parsed once and validated. */
export function loadExperimentConfig(env: Record<string, string | undefined>) {
  return loadConfig(
    {
      COOL_DOWN_MS: int(10_000, 0, 600_000),
      /** The calibrator's measured window after each run; 0 leaves it out. */
      CALIBRATOR_SECONDS: int(10, 0, 600),
    },
    env,
    (e) => ({ coolDownMs: e.COOL_DOWN_MS, calibratorSeconds: e.CALIBRATOR_SECONDS }),
  );
}

async function main(): Promise<number> {
  const config = loadLoadConfig(process.env, { scenario: 'full' });
  const { coolDownMs, calibratorSeconds } = loadExperimentConfig(process.env);
  const log = (line: string) => console.log(`[experiment] ${line}`);
  // Refuse a dirty tree before the stack starts (each run checks again when it starts).
  startProvenance(REPO_ROOT, path.resolve(REPO_ROOT, config.resultsDir), config.allowDirty);
  const session = await openStackSession(config, log);
  let allHold = true;
  try {
    for (const [i, clients] of config.clients.entries()) {
      // Let the previous run's drain and checkpoints settle so runs do not overlap.
      if (i > 0) await sleep(coolDownMs);
      const { summary, dir } = await executeRun({
        config,
        targets: session.targets,
        ...(session.stackDir ? { stackDir: session.stackDir } : {}),
        scenario: config.scenario,
        clients,
        repoRoot: REPO_ROOT,
        reproduce: {
          target: 'make experiment',
          baseline: loadLoadConfig({}, { scenario: 'full' }),
          clientsVariable: 'CLIENTS',
          extra: { ...resultsDirSetting(process.env), ...costSettingsOf(process.env) },
        },
        log,
      });
      // The bare route, with the stack idle after the run's checks (a stack this session measures only).
      const calibration =
        session.stackDir && summary.cpu
          ? await calibrateRun(
              {
                clients: summary.clients,
                stackCpuMsPerPurchase: summary.cpu.stack.msPerPurchase,
                purchasesPerSecond: summary.load.throughputPerSecond,
              },
              calibratorSeconds,
            )
          : undefined;
      if (calibration) addToSummary(dir, { calibration });
      console.log(
        `\n${formatSummaryTable(calibration ? { ...summary, calibration } : summary, dir, REPO_ROOT)}\n`,
      );
      allHold &&= summary.invariantsHold;
    }
    await generateReport(path.resolve(REPO_ROOT, config.resultsDir), config.scenario);
    log(`wrote ${path.join(config.resultsDir, 'README.md')} and its plots`);
    return allHold ? 0 : 1;
  } finally {
    await session.close(config.keepStack);
  }
}

runIfEntry(import.meta.url, main);
