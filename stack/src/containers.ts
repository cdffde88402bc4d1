/**
 * STACK_RUNTIME=containers: the tests' Kafka and PostgreSQL from Testcontainers, on the images
 * docker-compose.yml runs (apache/kafka, postgres; `make images` provides them where no registry
 * answers). A test process gets one broker and the configured number of shards, which live as long as
 * the process; or, when STACK_CONTAINERS_STATE names the state file of a set that `tillstream-stack
 * containers-up` started (`startSharedContainerStack`), it uses that set, as test files share the native
 * stack (each test has its own topics, groups and databases either way).
 *
 * Testcontainers' reaper (Ryuk) is an image pulled from Docker Hub, which is not reachable everywhere, so
 * it is disabled here (TESTCONTAINERS_RYUK_DISABLED, unless the caller set it) and the harness cleans up
 * itself: every container carries this process's label, `stopContainerStack()` removes them, and an exit
 * hook removes them synchronously when the process ends without calling it (a failed or force-exited test
 * file). `removeLabelledContainers()` sweeps whatever a killed process left.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { claimShardIdentities, migrate } from '@tillstream/schema';
import { adminClient, ensureTopics, newClusterId } from './kafka.js';
import type { StackSettings } from './settings.js';
import type { StackState } from './state.js';

/** The images docker-compose.yml runs (a unit test keeps them equal). */
export const KAFKA_IMAGE = 'apache/kafka:3.9.1';
export const POSTGRES_IMAGE = 'postgres:17.6-bookworm';

/** The label on every container the harness starts; its value names the test process. */
export const HARNESS_LABEL = 'dev.tillstream.harness';
const session = `${process.pid}-${randomBytes(4).toString('hex')}`;

/** Debian's CLI where it exists (a newer one on PATH may lack plugins), else whatever `docker` is. */
const DOCKER_CLI = spawnSync('/usr/bin/docker', ['--version']).status === 0 ? '/usr/bin/docker' : 'docker';

/** True when a Docker engine answers (not merely a docker client on PATH). */
export function dockerEngineAnswers(): boolean {
  const result = spawnSync(DOCKER_CLI, ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 5000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return result.status === 0 && result.stdout.trim().length > 0;
}

/** Removes (with their anonymous volumes) the containers labelled `label=value`, or every harness container. */
export function removeLabelledContainers(value?: string): void {
  const filter = value ? `label=${HARNESS_LABEL}=${value}` : `label=${HARNESS_LABEL}`;
  const ids = spawnSync(DOCKER_CLI, ['ps', '--all', '--quiet', '--filter', filter], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  if (ids.length > 0) spawnSync(DOCKER_CLI, ['rm', '--force', '--volumes', ...ids], { stdio: 'ignore' });
}

let exitHookInstalled = false;

interface Started {
  getHost(): string;
  getMappedPort(port: number): number;
  copyContentToContainer(files: { content: string; target: string; mode?: number }[]): Promise<void>;
}

/**
 * Publishes a container's exposed ports on 127.0.0.1 only: nothing here may listen beyond this machine,
 * and Testcontainers otherwise leaves the address to the engine (0.0.0.0 by default).
 */
function onLoopback<T extends object>(container: T): T {
  const hostConfig = (container as unknown as { hostConfig: { PortBindings?: Record<string, object[]> } })
    .hostConfig;
  for (const bindings of Object.values(hostConfig.PortBindings ?? {}))
    for (const binding of bindings) Object.assign(binding, { HostIp: '127.0.0.1' });
  return container;
}

/**
 * Docker's init (tini) as PID 1, as compose runs the shards: a healthcheck that times out leaves its
 * pg_isready orphaned, and a postmaster that is PID 1 reaps it, takes its exit for a crashed backend and
 * restarts every session.
 */
function withInit<T extends object>(container: T): T {
  Object.assign((container as unknown as { hostConfig: object }).hostConfig, { Init: true });
  return container;
}

/** The ports are bound on IPv4 loopback only, which "localhost" may resolve past. */
const hostOf = (container: Started) => {
  const host = container.getHost();
  return host === 'localhost' ? '127.0.0.1' : host;
};

// A broker starts in well under a minute on an idle machine; on a busy 2-core one it was seen to take 2.5.
async function waitForBroker(bootstrap: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = adminClient([bootstrap]);
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw new Error(`Kafka at ${bootstrap} did not answer`, { cause: error });
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/**
 * One combined KRaft node from the apache/kafka image, configured through the image's KAFKA_*
 * contract. The advertised listener must name the port the engine maps, which exists only once the
 * container runs: the entrypoint waits for it in a file written after the start.
 */
async function startKafka(settings: StackSettings): Promise<{ bootstrap: string; port: number }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const ready = 'waiting for the advertised listener';
  const container = await onLoopback(
    new GenericContainer(KAFKA_IMAGE)
      .withLabels({ [HARNESS_LABEL]: session })
      .withExposedPorts(9092)
      .withEnvironment({
        CLUSTER_ID: newClusterId(),
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,BROKER://0.0.0.0:9093,CONTROLLER://0.0.0.0:9094',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9094',
        KAFKA_LOG_DIRS: '/var/lib/kafka/data',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_NUM_PARTITIONS: String(settings.kafka.partitions),
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_HEAP_OPTS: `-Xmx${settings.kafka.heapMb}m -Xms${Math.min(256, settings.kafka.heapMb)}m`,
      })
      .withEntrypoint(['bash', '-c'])
      .withCommand([
        `echo '${ready}'; until [ -s /tmp/advertised ]; do sleep 0.1; done; ` +
          'KAFKA_ADVERTISED_LISTENERS="$(cat /tmp/advertised)" exec /etc/kafka/docker/run',
      ])
      .withWaitStrategy(Wait.forLogMessage(ready))
      .withStartupTimeout(120_000),
  ).start();
  const host = hostOf(container);
  const port = container.getMappedPort(9092);
  await container.copyContentToContainer([
    {
      content: `PLAINTEXT://${host}:${port},BROKER://localhost:9093\n`,
      target: '/tmp/advertised',
      mode: 0o644,
    },
  ]);
  const bootstrap = `${host}:${port}`;
  await waitForBroker(bootstrap);
  return { bootstrap, port };
}

async function startShard(settings: StackSettings): Promise<string> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { user, password, database } = settings.shards;
  const container = await withInit(
    onLoopback(
      new PostgreSqlContainer(POSTGRES_IMAGE)
        .withLabels({ [HARNESS_LABEL]: session })
        .withDatabase(database)
        .withUsername(user)
        .withPassword(password)
        // As the compose shards run: more connections than the default 100 (every test opens pools).
        .withCommand(['postgres', '-c', 'max_connections=200'])
        // Testcontainers' own check runs every 250 ms with a 1 s timeout, which a busy machine misses.
        .withHealthCheck({
          test: ['CMD-SHELL', `pg_isready --host 127.0.0.1 --username '${user}' --dbname '${database}'`],
          interval: 1000,
          timeout: 10_000,
          retries: 300,
        })
        .withStartupTimeout(300_000),
    ),
  ).start();
  const url = new URL(container.getConnectionUri());
  url.hostname = hostOf(container);
  return url.toString();
}

/**
 * Starts a set that outlives this process and writes its state to STACK_CONTAINERS_STATE for the test
 * files to share; `removeLabelledContainers()` removes it.
 */
export async function startSharedContainerStack(settings: StackSettings): Promise<StackState> {
  if (!settings.containersState) throw new Error('STACK_CONTAINERS_STATE must name the state file to write');
  const state = await startContainerStack(settings, { outliveProcess: true });
  await writeFile(settings.containersState, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/** The shared set's state (`startSharedContainerStack`), checked to be ready. */
export async function readSharedContainerStack(stateFile: string): Promise<StackState> {
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as StackState;
  if (state.status !== 'ready') throw new Error(`the container set in ${stateFile} is ${state.status}`);
  return state;
}

export async function startContainerStack(
  settings: StackSettings,
  options: { readonly outliveProcess?: boolean } = {},
): Promise<StackState> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  // Every port is published on 127.0.0.1 (onLoopback), so loopback is the only address that reaches
  // it. Testcontainers would otherwise look for the ports at the bridge's gateway whenever /.dockerenv
  // exists (a CI runner or a dev container that runs its own engine), where nothing is bound.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  if (!options.outliveProcess && !exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => removeLabelledContainers(session));
  }
  const [kafka, ...urls] = await Promise.all([
    startKafka(settings),
    ...Array.from({ length: settings.shards.count }, () => startShard(settings)),
  ]);
  await Promise.all(urls.map((url) => migrate(url)));
  // Entry i is shard i: the services check these identity rows at start.
  await claimShardIdentities(urls, settings.kafka.partitions);
  // A single container broker: replication factor 1.
  await ensureTopics(
    [kafka!.bootstrap],
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
      bootstrap: kafka!.bootstrap,
      topic: settings.kafka.topic,
      dlqTopic: settings.kafka.dlqTopic,
      partitions: settings.kafka.partitions,
      replicationFactor: 1,
      nodes: [{ id: 1, pid: null, port: kafka!.port, controllerPort: 0, restarts: 0 }],
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

/** Removes this process's containers now (the exit hook does it otherwise). */
export function stopContainerStack(): void {
  removeLabelledContainers(session);
}
