/**
 * A private native stack for a measurement (`make compare`, `make profile`): its own STACK_DIR and
 * ports, so a development stack is left alone; driven through the stack CLI, read from its state file.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';
import { STACK_SHAPE_SETTINGS } from '@tillstream/stack';
import {
  readStackState,
  resolveTargets,
  STACK_TARGETS_ONLY,
  type StackStateView,
  type Targets,
} from './targets.js';

const STACK_CLI = path.join(REPO_ROOT, 'stack', 'dist', 'cli.js');

/** The fields of the private stack's state.json the measurements read beyond the load runner's. */
export interface PrivateStackState extends StackStateView {
  readonly supervisor: { readonly pid: number };
  readonly services: Readonly<Record<string, { readonly url: string; readonly pids?: readonly number[] }>>;
}

/** The stack's own ports, each shifted by `offset` (e.g. 10000: clear of a development stack). */
export function stackEnvironment(mode: string, stackDir: string, offset: number): Record<string, string> {
  const port = (base: number) => String(base + offset);
  return {
    MODE: mode,
    STACK_DIR: stackDir,
    SHARD_BASE_PORT: port(5433),
    KAFKA_PORT: port(9092),
    KAFKA_CONTROLLER_PORT: port(19093),
    PURCHASE_PORT: port(8080),
    STORE_PORT: port(8081),
    CONSUMER_PORT: port(8082),
    PROMETHEUS_PORT: port(9090),
    RABBITMQ_PORT: port(5672),
    RABBITMQ_DIST_PORT: port(25672),
    RABBITMQ_EPMD_PORT: port(14369),
  };
}

/**
 * The settings that shape what a measured run costs: the stack's (process layout, partitions, shards
 * and their PostgreSQL settings, the processes' CPU weights, Prometheus scraping) and the services' batching, which the stack's
 * services read from the same environment. Those `env` sets are part of the run's recorded command.
 */
export const COST_SETTINGS = [
  ...STACK_SHAPE_SETTINGS,
  'PURCHASE_BATCH_MAX_MESSAGES',
  'PURCHASE_BATCH_MAX_BYTES',
  'PURCHASE_BATCH_LINGER_MS',
  'KAFKA_MIN_BYTES',
  'KAFKA_MAX_WAIT_TIME_MS',
  'KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY',
  'CONSUMER_MAX_EVENTS_PER_TRANSACTION',
] as const;

export function costSettingsOf(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    COST_SETTINGS.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])),
  );
}

/** `stack up | down | clean` of the stack `env` names (its STACK_DIR and ports only). */
export function stackCommand(command: 'up' | 'down' | 'clean', env: Record<string, string>): void {
  const result = spawnSync(process.execPath, [STACK_CLI, command], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    throw new Error(`stack ${command} (MODE=${env.MODE}) failed; see ${env.STACK_DIR ?? '.stack'}/logs/`);
  }
}

/**
 * The private stack in `stackDir` (after `stackCommand('up', …)`) and what the load runner sends to and
 * checks there: its services, shards and generated API key, whatever PURCHASE_URL and the like say.
 */
export async function readPrivateStack(
  stackDir: string,
): Promise<{ state: PrivateStackState; targets: Targets }> {
  const state = await readStackState<PrivateStackState>(REPO_ROOT, stackDir);
  if (!state) throw new Error(`no readable state.json in ${stackDir}`);
  return { state, targets: resolveTargets(STACK_TARGETS_ONLY, state) };
}
