/**
 * The native stack on the same profile, for the compose results: a fresh stack in its own STACK_DIR on
 * shifted ports (as `make compare` starts one), three Kafka nodes like compose, Prometheus off, and the CPU
 * of every process under its supervisor from /proc. It is cleaned away afterwards.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stackEnvironment } from '@tillstream/loadtest/compare';
import { loadLoadConfig } from '@tillstream/loadtest/config';
import { cpuSecondsOfTrees } from '@tillstream/loadtest/process-cpu';
import type { RunSummary } from '@tillstream/loadtest/results';
import { executeRun } from '@tillstream/loadtest/run';
import { resolveTargets, type StackStateView } from '@tillstream/loadtest/targets';
import { readStackApiKey } from '@tillstream/stack';
import type { RunProfile } from './compose-tier.js';
import { REPO_ROOT } from './docker.js';

const STACK_CLI = path.join(REPO_ROOT, 'stack', 'dist', 'cli.js');

/** The state file's fields used here (the rest is the load runner's view of it). */
type NativeState = StackStateView & { readonly supervisor: { readonly pid: number } };

function stack(command: 'up' | 'clean', env: Record<string, string>): void {
  const result = spawnSync(process.execPath, [STACK_CLI, command], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) throw new Error(`native stack ${command} failed; see ${env.STACK_DIR}/logs/`);
}

export async function runNativeBaseline(options: {
  profile: RunProfile;
  resultsDir: string;
  allowDirty: boolean;
  log: (line: string) => void;
}): Promise<{ summary: RunSummary; dir: string; cpu: { totalSeconds: number; msPerPurchase: number } }> {
  const stackDir = path.join(REPO_ROOT, '.stack-compare', 'compose-baseline');
  const env = {
    ...stackEnvironment('kafka-sharded', stackDir, 20_000),
    KAFKA_NODES: '3',
    PROMETHEUS: 'off',
  };
  options.log(
    `native baseline: fresh stack in ${path.relative(REPO_ROOT, stackDir)} (3 Kafka nodes, ports +20000)`,
  );
  stack('clean', env);
  stack('up', env);
  try {
    const state = JSON.parse(readFileSync(path.join(stackDir, 'state.json'), 'utf8')) as NativeState;
    const config = loadLoadConfig({
      STORES: String(options.profile.stores),
      PURCHASES_PER_HOUR: String(options.profile.purchasesPerHour),
      HOURS: String(options.profile.hours),
      RESULTS_DIR: options.resultsDir,
      ALLOW_DIRTY: options.allowDirty ? '1' : '0',
      SCENARIO: 'native',
      PROGRESS_INTERVAL_MS: '10000',
      // The stack's purchase service authenticates writes with the key it generated.
      API_KEY: readStackApiKey(stackDir),
    });
    // Targets, shards and partitions from the stack's state file.
    const targets = resolveTargets(config, state);
    const cpuBefore = cpuSecondsOfTrees([state.supervisor.pid]);
    const { summary, dir } = await executeRun({
      config,
      targets,
      scenario: 'native',
      repoRoot: REPO_ROOT,
      reproduce: { target: 'make compose-test', baseline: loadLoadConfig({}), clientsVariable: 'STORES' },
      log: options.log,
    });
    const totalSeconds = cpuSecondsOfTrees([state.supervisor.pid]) - cpuBefore;
    return {
      summary,
      dir,
      cpu: { totalSeconds, msPerPurchase: (totalSeconds * 1000) / Math.max(1, summary.load.purchases.ok) },
    };
  } finally {
    stack('clean', env);
  }
}
