/**
 * The local stack for the demo and the experiment: reuse it when it runs, start it when it does not
 * (and then stop it afterwards unless KEEP=1). A stack started before the services were built runs
 * without them; then the built services are started here against the stack's Kafka and shards, and
 * stopped at the end.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureStackApiKey, loadStackSettings } from '@tillstream/stack';
import { startService, type RunningService } from '@tillstream/stack/harness';
import type { LoadConfig } from './config.js';
import { REPO_ROOT } from './paths.js';
import { readStackState, resolveTargets, type StackStateView, type Targets } from './targets.js';

const STACK_CLI = path.join(REPO_ROOT, 'stack', 'dist', 'cli.js');

export interface StackSession {
  readonly targets: Targets;
  readonly startedStack: boolean;
  /**
   * The stack's STACK_DIR when every service is the stack's own (its processes are in state.json), so
   * a run can record CPU by component; undefined when this session started services itself.
   */
  readonly stackDir?: string;
  /** Stops services started here; stops the stack when this session started it and keep is false. */
  close(keep: boolean): Promise<void>;
}

function stackCommand(command: 'up' | 'down' | 'status', quiet = false): number {
  const result = spawnSync(process.execPath, [STACK_CLI, command], {
    cwd: REPO_ROOT,
    stdio: quiet ? 'ignore' : 'inherit',
  });
  return result.status ?? 1;
}

async function healthy(url: string | undefined): Promise<boolean> {
  if (!url) return false;
  try {
    return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

export async function openStackSession(
  config: LoadConfig,
  log: (line: string) => void,
): Promise<StackSession> {
  let startedStack = false;
  // The stack the CLI below manages: STACK_DIR, like every stack command.
  const { stackDir } = loadStackSettings();
  if (stackCommand('status', true) !== 0) {
    log('starting the local stack (node stack/dist/cli.js up)…');
    if (stackCommand('up') !== 0) throw new Error('the stack did not start; see .stack/logs/');
    startedStack = true;
  }
  const state = await readStackState(REPO_ROOT, stackDir);
  if (!state) throw new Error(`the stack runs but ${stackDir}/state.json is unreadable`);
  const own: RunningService[] = [];
  let view: StackStateView = state;
  const names = ['consumer', 'purchase', 'store'] as const;
  const missing: (typeof names)[number][] = [];
  for (const name of names) if (!(await healthy(state.services[name]?.url))) missing.push(name);
  if (missing.length > 0) {
    log(
      `the stack runs without ${missing.join(', ')}; starting the built service(s) against its Kafka and shards`,
    );
    const full = state as StackStateView & { kafka: { bootstrap: string; topic: string; dlqTopic: string } };
    const env = {
      KAFKA_BROKERS: full.kafka.bootstrap,
      KAFKA_TOPIC: full.kafka.topic,
      KAFKA_DLQ_TOPIC: full.kafka.dlqTopic,
      KAFKA_PARTITIONS: String(full.kafka.partitions),
      SHARD_URLS: full.shards.map((s) => s.url).join(','),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    };
    // The stack's key (generated when the stack predates it), as the supervisor would pass it.
    const purchaseApiKey = ensureStackApiKey(stackDir);
    const services = { ...state.services };
    try {
      for (const name of missing) {
        const service = await startService(
          name,
          name === 'purchase' ? { ...env, PURCHASE_API_KEYS: purchaseApiKey } : env,
        );
        own.push(service);
        services[name] = { url: service.url };
      }
    } catch (error) {
      await Promise.all(own.map((s) => s.stop()));
      throw error;
    }
    view = { ...state, services, purchaseApiKey };
  }
  return {
    targets: resolveTargets(config, view),
    startedStack,
    ...(own.length === 0 ? { stackDir } : {}),
    async close(keep) {
      await Promise.all(own.map((s) => s.stop()));
      if (startedStack && !keep) {
        log('stopping the stack this run started (KEEP=1 keeps it)…');
        stackCommand('down');
      }
    },
  };
}
