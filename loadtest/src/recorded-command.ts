#!/usr/bin/env node
/**
 * The command that reproduces a recorded load-runner run, derived from what the record itself holds
 * (its make target, scenario, client count, workload profile and retry policy). Run as a command,
 * `node loadtest/dist/recorded-command.js [resultsDir]` rewrites the `command` of every record under
 * resultsDir and resultsDir/compare whose command differs from that, keeping the replaced one as
 * `recordedCommand`; nothing else in a record changes.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CompareSummary } from './compare-report.js';
import { changedSettings, DEMO_DEFAULTS, loadLoadConfig, type LoadConfig } from './config.js';
import { runIfEntry } from './entry.js';
import { REPO_ROOT } from './paths.js';
import { reproduceCommand } from './provenance.js';
import type { RunSummary } from './results.js';

type Recorded = RunSummary & {
  readonly compare?: CompareSummary['compare'];
  readonly recordedCommand?: string;
};

export function commandOfRecord(summary: Recorded): string {
  const target = /make (demo|experiment|compare)/.exec(summary.command)?.[0] ?? 'node loadtest/dist/cli.js';
  const defaults =
    target === 'make demo'
      ? DEMO_DEFAULTS
      : target === 'make experiment'
        ? { scenario: 'full' }
        : target === 'make compare'
          ? { scenario: 'compare' }
          : {};
  const baseline = loadLoadConfig({}, defaults);
  const config: LoadConfig = {
    ...baseline,
    // A compare run's scenario is its mode, which MODES selects.
    scenario: summary.compare ? baseline.scenario : summary.scenario,
    profile: summary.profile,
    retry: summary.retry,
  };
  const extra = summary.compare ? { MODES: summary.compare.mode, REPETITIONS: '1' } : {};
  const clientsVariable = target === 'make experiment' || target === 'make compare' ? 'CLIENTS' : 'STORES';
  return reproduceCommand(target, {
    ...extra,
    [clientsVariable]: summary.clients,
    ...changedSettings(config, baseline),
  });
}

/** Rewrites the records whose command is not the reproducing one; returns the directories changed. */
export function restateCommands(resultsDir: string): string[] {
  const changed: string[] = [];
  for (const dir of [resultsDir, path.join(resultsDir, 'compare')]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name, 'summary.json');
      if (!existsSync(file)) continue;
      const summary = JSON.parse(readFileSync(file, 'utf8')) as Recorded;
      if (!summary.load || !summary.profile) continue;
      const command = commandOfRecord(summary);
      if (command === summary.command) continue;
      const restated = { ...summary, command, recordedCommand: summary.recordedCommand ?? summary.command };
      writeFileSync(file, `${JSON.stringify(restated, null, 2)}\n`);
      changed.push(path.relative(resultsDir, path.dirname(file)));
    }
  }
  return changed;
}

runIfEntry(import.meta.url, async () => {
  const resultsDir = path.resolve(REPO_ROOT, process.argv[2] ?? 'results');
  for (const dir of restateCommands(resultsDir)) console.log(`restated the command of ${dir}`);
  return 0;
});
