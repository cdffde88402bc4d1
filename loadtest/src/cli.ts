#!/usr/bin/env node
/**
 * One recorded load run: `node loadtest/dist/cli.js` (npm run load -w loadtest). Targets come from the
 * running stack's state file unless PURCHASE_URL etc. are set; ISOLATED=1 starts the built services
 * on a fresh topic and fresh databases instead (nothing shared is touched). Options: loadtest/README.md.
 */
import { runIfEntry } from './entry.js';
import { loadLoadConfig } from './config.js';
import { REPO_ROOT } from './paths.js';
import { executeRun } from './run.js';
import { formatSummaryTable } from './summary-table.js';
import { readStackState, resolveTargets, type Targets } from './targets.js';

async function main(): Promise<number> {
  const config = loadLoadConfig(process.env);
  let targets: Targets;
  let cleanup = async () => {};
  if (process.env.ISOLATED === '1') {
    const { startIsolatedPipeline } = await import('./isolated.js');
    const pipeline = await startIsolatedPipeline();
    targets = pipeline.targets;
    cleanup = pipeline.remove;
  } else {
    targets = resolveTargets(config, await readStackState(REPO_ROOT));
  }
  try {
    const { summary, dir } = await executeRun({
      config,
      targets,
      scenario: config.scenario,
      repoRoot: REPO_ROOT,
      reproduce: {
        target: 'node loadtest/dist/cli.js',
        baseline: loadLoadConfig({}),
        clientsVariable: 'STORES',
        ...(process.env.ISOLATED === '1' ? { extra: { ISOLATED: '1' } } : {}),
      },
    });
    console.log(formatSummaryTable(summary, dir, REPO_ROOT));
    return summary.invariantsHold || !config.verify ? 0 : 1;
  } finally {
    await cleanup();
  }
}

runIfEntry(import.meta.url, main);
