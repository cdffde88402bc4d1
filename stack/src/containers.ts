/**
 * STACK_RUNTIME=containers: the same services for tests from Testcontainers, for machines that have a
 * Docker engine (and may lack Java or PostgreSQL binaries). Containers live as long as the test
 * process (Testcontainers' reaper removes them); each test file gets its own. Not used in CI.
 */
import { spawnSync } from 'node:child_process';
import { claimShardIdentities, migrate } from '@tillstream/schema';
import { ensureTopics } from './kafka.js';
import type { StackSettings } from './settings.js';
import type { StackState } from './state.js';

/** Pinned images: Confluent's KRaft-capable broker (what @testcontainers/kafka drives) and PostgreSQL. */
export const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.0';
export const POSTGRES_IMAGE = 'postgres:16.10-alpine';

/** True when a Docker engine answers (not merely a docker client on PATH). */
export function dockerEngineAnswers(): boolean {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 5000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return result.status === 0 && result.stdout.trim().length > 0;
}

export async function startContainerStack(settings: StackSettings): Promise<StackState> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { user, password, database } = settings.shards;
  const [kafka, ...shards] = await Promise.all([
    new KafkaContainer(KAFKA_IMAGE).withKraft().start(),
    ...Array.from({ length: settings.shards.count }, () =>
      new PostgreSqlContainer(POSTGRES_IMAGE)
        .withDatabase(database)
        .withUsername(user)
        .withPassword(password)
        .start(),
    ),
  ]);
  const bootstrap = `${kafka!.getHost()}:${kafka!.getMappedPort(9093)}`;
  const urls = shards.map((s) => s.getConnectionUri());
  await Promise.all(urls.map((url) => migrate(url)));
  await claimShardIdentities(urls, settings.kafka.partitions);
  // A single container broker: replication factor 1.
  await ensureTopics(
    [bootstrap],
    [
      { name: settings.kafka.topic, partitions: settings.kafka.partitions, replicationFactor: 1 },
      { name: settings.kafka.dlqTopic, partitions: 1, replicationFactor: 1 },
    ],
  );
  return {
    version: 1,
    status: 'ready',
    supervisor: { pid: process.pid, startedAt: new Date().toISOString() },
    kafka: {
      bootstrap,
      topic: settings.kafka.topic,
      dlqTopic: settings.kafka.dlqTopic,
      partitions: settings.kafka.partitions,
      replicationFactor: 1,
      nodes: [{ id: 1, pid: null, port: kafka!.getMappedPort(9093), controllerPort: 0, restarts: 0 }],
    },
    shards: urls.map((url, index) => ({
      index,
      url,
      pid: null,
      port: Number(new URL(url).port),
      dataDir: '(container)',
      restarts: 0,
    })),
    services: {},
  };
}
