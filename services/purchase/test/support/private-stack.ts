import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Admin } from 'kafkajs';
import { readState, REPO_ROOT, type StackState } from '@tillstream/stack';
import { uniqueName } from '@tillstream/stack/harness';

const run = promisify(execFile);

export interface PrivateStack {
  readonly state: StackState;
  readonly brokers: string[];
  /** Stops everything this stack started and deletes its data. */
  down(): Promise<void>;
}

/**
 * A Kafka cluster of its own (and one shard, which the stack always has), beside the shared stack, on
 * the given ports: for tests that pause or cut brokers, which must never touch the shared ones.
 */
export async function startPrivateStack(options: {
  readonly nodes: number;
  readonly kafkaPort: number;
  readonly controllerPort: number;
  readonly shardPort: number;
  readonly partitions?: number;
}): Promise<PrivateStack> {
  const stackDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-purchase-stack-'));
  const env = {
    ...process.env,
    STACK_DIR: stackDir,
    KAFKA_NODES: String(options.nodes),
    KAFKA_PORT: String(options.kafkaPort),
    KAFKA_CONTROLLER_PORT: String(options.controllerPort),
    KAFKA_HEAP_MB: '256',
    KAFKA_PARTITIONS: String(options.partitions ?? 6),
    SHARD_COUNT: '1',
    SHARD_BASE_PORT: String(options.shardPort),
    STACK_SERVICES: 'false',
    PROMETHEUS: 'off',
    KAFKA_NETWORK: 'loopback',
  };
  const cli = (command: string) =>
    run(
      process.execPath,
      [
        '--conditions=tillstream-source',
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'stack/src/cli.ts'),
        command,
      ],
      { env, cwd: REPO_ROOT, timeout: 240_000 },
    );
  const down = async () => {
    // A paused broker cannot stop: let every process of this stack run again first.
    const state = await readState(stackDir).catch(() => undefined);
    for (const node of state?.kafka.nodes ?? []) {
      try {
        if (node.pid) process.kill(node.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await cli('down').catch(() => undefined);
    rmSync(stackDir, { recursive: true, force: true });
  };
  try {
    await cli('up');
    const state = await readState(stackDir);
    if (state?.status !== 'ready') throw new Error(`the private stack is not ready: ${state?.status}`);
    return { state, brokers: state.kafka.bootstrap.split(','), down };
  } catch (error) {
    await down();
    throw error;
  }
}

/**
 * Creates a topic of one replica per partition and waits until every partition has a leader (each
 * broker learns of a new topic shortly after it is created); returns its name and partition → leader.
 */
export async function createLedTopic(
  admin: Admin,
  prefix: string,
  partitions: number,
): Promise<{ topic: string; leaderOf: Map<number, number> }> {
  const topic = uniqueName(prefix).replace(/_/g, '-');
  await admin.createTopics({
    waitForLeaders: false,
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
  });
  for (;;) {
    try {
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      const led = metadata!.partitions.filter((p) => p.leader >= 0 && p.partitionErrorCode === 0);
      if (led.length === partitions)
        return { topic, leaderOf: new Map(led.map((p) => [p.partitionId, p.leader])) };
    } catch {
      // not known everywhere yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
