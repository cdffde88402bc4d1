import { readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * `.stack/state.json`: where everything runs, for tools and tests. The shape is stable (documented in
 * README "The state file"); fields are only ever added.
 */
export interface StackState {
  version: 1;
  status: 'starting' | 'ready' | 'stopping' | 'failed';
  message?: string;
  supervisor: { pid: number; startedAt: string };
  kafka: {
    bootstrap: string;
    topic: string;
    dlqTopic: string;
    partitions: number;
    replicationFactor: number;
    /** Added: loopback, or netns (each node in its own network namespace). */
    network?: 'loopback' | 'netns';
    nodes: {
      id: number;
      pid: number | null;
      host?: string;
      port: number;
      controllerPort: number;
      restarts: number;
    }[];
  };
  shards: {
    index: number;
    url: string;
    pid: number | null;
    port: number;
    dataDir: string;
    restarts: number;
  }[];
  services: Record<string, { url: string; pids: number[]; restarts: number }>;
  prometheus?: { url: string; pid: number | null };
  /** kafka-sharded, sync-db or rabbitmq; absent (older state files) means kafka-sharded. */
  mode?: 'kafka-sharded' | 'sync-db' | 'rabbitmq';
  /** Added: the file (mode 0600) holding the purchase service's API key (src/api-key.ts). */
  purchaseApiKeyFile?: string;
  /** Added: the STACK_SHAPE_SETTINGS (src/settings.ts) the stack was brought up with, those set. */
  settings?: Readonly<Record<string, string>>;
  /** Present in MODE=rabbitmq. */
  rabbitmq?: { url: string; pid: number | null };
}

export function statePath(stackDir: string): string {
  return path.join(stackDir, 'state.json');
}

export async function readState(stackDir: string): Promise<StackState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(stackDir), 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

/** Atomic write: readers never see half a file. */
export async function writeState(stackDir: string, state: StackState): Promise<void> {
  const file = statePath(stackDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}

export function isAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
