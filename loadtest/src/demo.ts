#!/usr/bin/env node
/**
 * `make demo`: the local stack, a short phased CS6650 run (256 stores, 20 purchases per "hour"
 * instead of 300: 46,080 purchases), the drain, the checks, a summary and a few Store answers, the
 * record under results/<date>-demo-256/ (and the results index regenerated). Stops the stack it started unless KEEP=1. Every variable
 * of the load runner applies (STORES, PURCHASES_PER_HOUR, …).
 */
import path from 'node:path';
import { ConfigError } from '@tillstream/config';
import { DEMO_DEFAULTS, loadLoadConfig } from './config.js';
import { REPO_ROOT } from './paths.js';
import { generateReport } from './report.js';
import { executeRun } from './run.js';
import { openStackSession } from './stack-session.js';
import { showStoreAnswers } from './store-answers.js';
import { formatSummaryTable } from './summary-table.js';
import { storeIdOf } from './workload.js';

async function main(): Promise<number> {
  const config = loadLoadConfig(process.env, DEMO_DEFAULTS);
  const log = (line: string) => console.log(`[demo] ${line}`);
  const session = await openStackSession(config, log);
  try {
    const { summary, dir } = await executeRun({
      config,
      targets: session.targets,
      scenario: config.scenario,
      repoRoot: REPO_ROOT,
      reproduce: {
        target: 'make demo',
        baseline: loadLoadConfig({}, DEMO_DEFAULTS),
        clientsVariable: 'STORES',
      },
      log,
    });
    console.log(`\n${formatSummaryTable(summary, dir, REPO_ROOT)}\n`);
    // The results index lists every recorded run, this one included.
    await generateReport(path.resolve(REPO_ROOT, config.resultsDir));
    if (session.targets.storeUrl) {
      const first = storeIdOf(summary.profile, 0);
      const ids = [first, first + Math.floor(summary.clients / 2), first + summary.clients - 1];
      console.log('A few Store answers:');
      console.log(await showStoreAnswers(session.targets.storeUrl, [...new Set(ids)]));
      console.log('');
    }
    console.log(
      summary.invariantsHold
        ? '[demo] ✔ every purchase acknowledged and accounted for'
        : '[demo] ✘ see above',
    );
    return summary.invariantsHold ? 0 : 1;
  } finally {
    await session.close(config.keepStack);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
