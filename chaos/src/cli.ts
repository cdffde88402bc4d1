#!/usr/bin/env node
/**
 * `make chaos` (`node chaos/dist/cli.js`): runs the selected scenarios one after another, each on its
 * own private stack, writes results/chaos/<date>-<scenario>/, regenerates results/README.md, and exits
 * non-zero when any invariant failed in any scenario.
 */
import { ConfigError } from '@tillstream/config';
import { generateReport } from '@tillstream/loadtest/report';
import { REPO_ROOT } from '@tillstream/stack';
import path from 'node:path';
import { DirtyTreeError, startProvenance } from '@tillstream/loadtest/provenance';
import { loadChaosConfig, scenarioCommand } from './config.js';
import { runScenario } from './scenario-run.js';
import { planScenario } from './scenarios.js';

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

async function main(): Promise<number> {
  const config = loadChaosConfig();
  // Refuse a dirty tree before any stack starts (each scenario records the tree when it starts).
  startProvenance(REPO_ROOT, path.resolve(REPO_ROOT, config.resultsDir), config.allowDirty);
  let failed = 0;
  for (const name of config.scenarios) {
    const scenario = planScenario(name, config);
    log(
      `[${name}] ${scenario.description}; ${scenario.durationS} s of load, ${scenario.faults.length} fault(s)`,
    );
    try {
      const { summary, dir } = await runScenario(scenario, config, { command: scenarioCommand(name), log });
      for (const i of summary.invariants) log(`[${name}] ${i.ok ? '✔' : '✘'} ${i.name}: ${i.detail}`);
      for (const f of summary.faults)
        log(
          `[${name}]   @${f.atS} s ${f.kind} → ${f.target}: throughput back in ${f.throughput.recoveryS ?? 'n/a'} s` +
            (f.error ? ` (FAILED: ${f.error})` : ''),
        );
      log(`[${name}] ${summary.ok ? 'PASSED' : 'FAILED'} → ${path.relative(REPO_ROOT, dir)}`);
      if (!summary.ok) failed += 1;
    } catch (error) {
      failed += 1;
      log(`[${name}] ERROR: ${(error as Error).stack ?? String(error)}`);
    }
  }
  await generateReport(path.resolve(REPO_ROOT, config.resultsDir));
  log(
    `results/README.md regenerated; ${failed === 0 ? 'every scenario passed' : `${failed} scenario(s) failed`}`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof DirtyTreeError ? error.message : error);
    process.exit(2);
  },
);
