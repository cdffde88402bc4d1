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
      command: `node loadtest/dist/cli.js (${commandEnv()})`,
    });
    console.log(formatSummaryTable(summary, dir, REPO_ROOT));
    return summary.invariantsHold || !config.verify ? 0 : 1;
  } finally {
    await cleanup();
  }
}

/** The variables that shaped this run, for the record. */
export function commandEnv(env: NodeJS.ProcessEnv = process.env): string {
  const names = [
    'STORES',
    'PURCHASES_PER_HOUR',
    'CUSTOMERS_PER_STORE',
    'MAX_ITEM_ID',
    'ITEMS_PER_PURCHASE',
    'QUANTITY_PER_ITEM',
    'HOURS',
    'SEED',
    'STORE_ID_BASE',
    'CLIENTS',
    'MAX_ATTEMPTS',
    'ISOLATED',
  ];
  const set = names.filter((name) => env[name]).map((name) => `${name}=${env[name]}`);
  return set.length > 0 ? set.join(' ') : 'defaults';
}

runIfEntry(import.meta.url, main);
