/**
 * The test harness: real Kafka and real PostgreSQL for `.int` and `.e2e` tests, through the same code
 * as `make up`. Each test gets its own topic, consumer group and databases, and removes them after.
 *
 * STACK_RUNTIME=native starts or reuses the native stack; containers uses Testcontainers (a Docker
 * engine is needed); auto (default) picks native when Java and PostgreSQL are installed. See docs/testing.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { claimShardIdentities, migrate } from '@tillstream/schema';
import { adminClient } from './kafka.js';
import { dropDatabase, ensureDatabase } from './postgres.js';
import { up } from './control.js';
import { dockerEngineAnswers, readSharedContainerStack, startContainerStack } from './containers.js';
import { findPostgresBin, javaMajorVersion } from './prerequisites.js';
import { REPO_ROOT, loadStackSettings } from './settings.js';
import type { StackState } from './state.js';
import { waitForHttp } from './services.js';
import { freePort } from './ports.js';
import { modeOfEnvironment, serviceEntry } from './modes.js';

export { freePort };

let cached: Promise<StackState> | undefined;

/**
 * Which runtime gives the tests their Kafka and PostgreSQL: STACK_RUNTIME=native | containers, or
 * auto (default): native, unless the native prerequisites are missing and a Docker engine answers.
 */
export function stackRuntime(env: NodeJS.ProcessEnv = process.env): 'native' | 'containers' {
  const requested = env.STACK_RUNTIME ?? 'auto';
  if (requested === 'native' || requested === 'containers') return requested;
  if (requested !== 'auto')
    throw new Error(`STACK_RUNTIME must be native, containers or auto, not ${requested}`);
  if (javaMajorVersion() !== undefined) {
    try {
      findPostgresBin(loadStackSettings(env));
      return 'native';
    } catch {
      // no PostgreSQL binaries: fall through
    }
  }
  return dockerEngineAnswers() ? 'containers' : 'native';
}

/**
 * The stack the tests use: the running native stack (started if needed, then left running for the
 * next test file), or containers: the shared set STACK_CONTAINERS_STATE names, else a set that lives as
 * long as this test process.
 */
export function useStack(): Promise<StackState> {
  const settings = loadStackSettings();
  cached ??=
    stackRuntime() === 'containers'
      ? settings.containersState
        ? readSharedContainerStack(settings.containersState)
        : startContainerStack(settings)
      : up(settings, (line) => console.error(`[harness] ${line}`));
  return cached;
}

/** A short random suffix for names that must not collide between tests. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export interface TestTopic {
  readonly topic: string;
  readonly dlqTopic: string;
  readonly partitions: number;
  readonly brokers: string[];
  remove(): Promise<void>;
}

/** Waits until every partition of `topics` has a leader, retrying while the broker does not know them yet. */
async function waitForLeaders(admin: ReturnType<typeof adminClient>, topics: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.length === topics.length && found.every((t) => t.partitions.every((p) => p.leader >= 0)))
        return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    if (Date.now() >= deadline) throw new Error(`no leader for every partition of ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A fresh topic (and its DLQ) with `partitions` partitions on the stack's broker(s). */
export async function createTestTopic(partitions = 12): Promise<TestTopic> {
  const state = await useStack();
  const brokers = state.kafka.bootstrap.split(',');
  const topic = uniqueName('test-purchases').replace(/_/g, '-');
  const dlqTopic = `${topic}.dlq`;
  const rf = state.kafka.replicationFactor;
  const admin = adminClient(brokers);
  await admin.connect();
  try {
    // Leaders are awaited below: kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker
    // answers until the new topic reaches its metadata cache (seen on a busy container broker).
    await admin.createTopics({
      waitForLeaders: false,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: rf,
          configEntries: [{ name: 'min.insync.replicas', value: rf >= 3 ? '2' : '1' }],
        },
        { topic: dlqTopic, numPartitions: 1, replicationFactor: rf },
      ],
    });
    await waitForLeaders(admin, [topic, dlqTopic]);
  } finally {
    await admin.disconnect();
  }
  return {
    topic,
    dlqTopic,
    partitions,
    brokers,
    async remove() {
      const a = adminClient(brokers);
      await a.connect();
      await a.deleteTopics({ topics: [topic, dlqTopic] }).catch(() => undefined);
      await a.disconnect();
    },
  };
}

export interface TestShards {
  /** One URL per shard, in shard order, each a fresh database with the schema applied. */
  readonly urls: string[];
  readonly database: string;
  remove(): Promise<void>;
}

/**
 * A fresh database on every shard of the stack (or the first `count`), migrated, each with its shard
 * identity row (entry i = shard i, for `partitions` partitions: the services refuse other counts).
 */
export async function createTestShards(count?: number, partitions = 12): Promise<TestShards> {
  const state = await useStack();
  const database = uniqueName('test');
  const servers = state.shards.slice(0, count ?? state.shards.length);
  const urls = await Promise.all(
    servers.map(async (shard) => {
      await ensureDatabase(shard.url, database);
      const url = new URL(shard.url);
      url.pathname = `/${database}`;
      await migrate(url.toString());
      return url.toString();
    }),
  );
  await claimShardIdentities(urls, partitions);
  return {
    urls,
    database,
    async remove() {
      await Promise.all(servers.map((s) => dropDatabase(s.url, database).catch(() => undefined)));
    },
  };
}

export interface RunningService {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Output so far (stdout + stderr), for assertions on logs. */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/**
 * Starts a built service (`node services/<name>/dist/main.js`, the command the containers run; with a
 * baseline's MODE in `env`, that baseline's entry point, src/modes.ts) on a free port with `env`, and
 * waits for `/readyz` (or `/healthz` when `waitFor` says so).
 *
 * The purchase service authenticates writes unless told otherwise; a test that passes neither
 * PURCHASE_API_KEYS nor PURCHASE_AUTH plays an anonymous CS6650 course client, so the harness sets
 * PURCHASE_AUTH=off for it (logged by the service as a warning). Tests of authentication pass keys.
 */
export async function startService(
  name: 'purchase' | 'store' | 'consumer',
  env: Record<string, string>,
  options: { waitFor?: '/readyz' | '/healthz'; timeoutMs?: number } = {},
): Promise<RunningService> {
  const port = await freePort();
  const entry = path.join(REPO_ROOT, serviceEntry(name, modeOfEnvironment(env)));
  const child = spawn(process.execPath, [entry], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      ...(name === 'purchase' && !('PURCHASE_API_KEYS' in env) && !('PURCHASE_AUTH' in env)
        ? { PURCHASE_AUTH: 'off' }
        : {}),
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHttp(`${url}${options.waitFor ?? '/readyz'}`, options.timeoutMs ?? 60_000),
      exited.then((code) => {
        throw new Error(`${name} exited with ${code} before it was ready:\n${output}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
export { startTestRabbitmq, type TestRabbitmq } from './rabbitmq-harness.js';
