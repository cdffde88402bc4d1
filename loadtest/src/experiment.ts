#!/usr/bin/env node
/**
 * `make experiment`: the full CS6650 profile at each of CLIENTS (default 256, 512, 1024) on the local
 * stack, one recorded run each under results/<date>-<SCENARIO>-<clients>/, then results/README.md and
 * its plots regenerated. Every load-runner variable applies (e.g. PURCHASES_PER_HOUR=60 to shorten).
 * Stops the stack it started unless KEEP=1.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadLoadConfig } from './config.js';
import { runIfEntry } from './entry.js';
import { REPO_ROOT } from './paths.js';
import { startProvenance } from './provenance.js';
import { generateReport } from './report.js';
import { executeRun } from './run.js';
import { openStackSession } from './stack-session.js';
import { formatSummaryTable } from './summary-table.js';

async function main(): Promise<number> {
  const config = loadLoadConfig(process.env, { scenario: 'full' });
  const log = (line: string) => console.log(`[experiment] ${line}`);
  // Refuse a dirty tree before the stack starts (each run checks again when it starts).
  startProvenance(REPO_ROOT, path.resolve(REPO_ROOT, config.resultsDir), config.allowDirty);
  const session = await openStackSession(config, log);
  let allHold = true;
  try {
    for (const [i, clients] of config.clients.entries()) {
      // Let the previous run's drain and checkpoints settle so runs do not overlap.
      if (i > 0) await sleep(Number(process.env.COOL_DOWN_MS ?? 10_000));
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
        },
        log,
      });
      console.log(`\n${formatSummaryTable(summary, dir, REPO_ROOT)}\n`);
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
