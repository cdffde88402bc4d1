import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { namespaceOf, nodeAddress } from './network.js';
import { KAFKA_VERSION, REPO_ROOT, type StackSettings } from './settings.js';

/** The classpath of the Kafka broker: KAFKA_HOME/libs, or the jars resolved from Maven Central. */
export function kafkaClasspath(settings: StackSettings): string {
  if (settings.kafka.home) return path.join(settings.kafka.home, 'libs', '*');
  return path.join(kafkaJarDir(settings), '*');
}

export function kafkaJarDir(settings: StackSettings): string {
  return path.join(settings.kafka.cacheDir, `kafka-${KAFKA_VERSION}`);
}

/** Resolves the broker jars with Maven into the cache, once. Returns the directory. */
export function fetchKafkaJars(settings: StackSettings, log: (line: string) => void): string {
  const dir = kafkaJarDir(settings);
  if (existsSync(dir) && readdirSync(dir).some((f) => f.startsWith(`kafka_2.13-${KAFKA_VERSION}`)))
    return dir;
  log(`resolving Apache Kafka ${KAFKA_VERSION} from Maven Central into ${dir}`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(REPO_ROOT, 'stack', 'kafka', 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
      '-DincludeScope=runtime',
    ],
    { stdio: 'inherit' },
  );
  renameSync(tmp, dir);
  return dir;
}

export interface KafkaNodePlan {
  readonly id: number;
  /** The address the node listens on: 127.0.0.1, or its namespace's address with KAFKA_NETWORK=netns. */
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dir: string;
  readonly dataDir: string;
  readonly propertiesFile: string;
}

export function planKafkaNodes(settings: StackSettings): KafkaNodePlan[] {
  return Array.from({ length: settings.kafka.nodes }, (_, i) => {
    const id = i + 1;
    const dir = path.join(settings.stackDir, 'kafka', `node-${id}`);
    return {
      id,
      host: settings.kafka.network === 'netns' ? nodeAddress(id) : '127.0.0.1',
      port: settings.kafka.port + i,
      controllerPort: settings.kafka.controllerPort + i,
      dir,
      dataDir: path.join(dir, 'data'),
      propertiesFile: path.join(dir, 'server.properties'),
    };
  });
}

export function bootstrapServers(settings: StackSettings): string {
  return planKafkaNodes(settings)
    .map((n) => `${n.host}:${n.port}`)
    .join(',');
}

/** server.properties of one combined broker+controller node in KRaft mode. */
export function kafkaProperties(
  node: KafkaNodePlan,
  nodes: readonly KafkaNodePlan[],
  settings: StackSettings,
): string {
  const rf = settings.kafka.replicationFactor;
  const voters = nodes.map((n) => `${n.id}@${n.host}:${n.controllerPort}`).join(',');
  const lines = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://${node.host}:${node.port},CONTROLLER://${node.host}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${node.host}:${node.port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': node.dataDir,
    'num.partitions': settings.kafka.partitions,
    'default.replication.factor': rf,
    'min.insync.replicas': rf >= 3 ? 2 : 1,
    'offsets.topic.replication.factor': rf,
    'offsets.topic.num.partitions': 12,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': rf >= 3 ? 2 : 1,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': false,
    'unclean.leader.election.enable': false,
    // Fence a dead broker after 6 s (default 9 s) so leadership moves sooner after a hard kill.
    'broker.session.timeout.ms': 6000,
    'broker.heartbeat.interval.ms': 1500,
    // Small box: few threads, small buffers.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'log.retention.hours': 168,
    'log.segment.bytes': 268435456,
  };
  return `${Object.entries(lines)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.org.apache.kafka.controller=INFO
`;

/** Writes the node's config and formats its storage unless already formatted. */
export function prepareKafkaNode(
  node: KafkaNodePlan,
  nodes: readonly KafkaNodePlan[],
  settings: StackSettings,
  clusterId: string,
): void {
  mkdirSync(node.dataDir, { recursive: true });
  writeFileSync(node.propertiesFile, kafkaProperties(node, nodes, settings));
  writeFileSync(path.join(node.dir, 'log4j.properties'), LOG4J);
  if (existsSync(path.join(node.dataDir, 'meta.properties'))) return;
  execFileSync(
    'java',
    [
      '-cp',
      kafkaClasspath(settings),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      node.propertiesFile,
      '--ignore-formatted',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_LOG4J_OPTS: '' } },
  );
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what `random-uuid` prints;
 * like Kafka's Uuid it never starts with '-', which command lines would take for an option).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function kafkaCommand(
  node: KafkaNodePlan,
  settings: StackSettings,
): { command: string; args: string[] } {
  const java = {
    command: 'java',
    args: [
      `-Xmx${settings.kafka.heapMb}m`,
      `-Xms${Math.min(256, settings.kafka.heapMb)}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${path.join(node.dir, 'log4j.properties')}`,
      `-Dtillstream.node=${node.id}`,
      '-cp',
      kafkaClasspath(settings),
      'kafka.Kafka',
      node.propertiesFile,
    ],
  };
  if (settings.kafka.network !== 'netns') return java;
  // `ip netns exec` execs java in place, so the supervised pid is the broker's.
  return { command: 'ip', args: ['netns', 'exec', namespaceOf(node.id), java.command, ...java.args] };
}

export function adminClient(brokers: string[]): Admin {
  return new Kafka({
    clientId: 'tillstream-stack',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  }).admin();
}

/** Waits until every node is a registered broker answering metadata requests. */
export async function waitForKafka(
  brokers: string[],
  expectedNodes: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    const admin = adminClient(brokers);
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length >= expectedNodes && cluster.controller !== null) return;
      lastError = `${cluster.brokers.length}/${expectedNodes} brokers registered`;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Kafka did not become ready in ${timeoutMs} ms: ${lastError}`);
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

/**
 * Creates the topics that do not exist yet; min.insync.replicas is 2 when RF is 3. A fresh cluster
 * answers metadata errors for a few seconds while leaders settle, so this retries until `timeoutMs`.
 */
export async function ensureTopics(
  brokers: string[],
  topics: readonly TopicSpec[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await createMissingTopics(brokers, topics);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function createMissingTopics(brokers: string[], topics: readonly TopicSpec[]): Promise<void> {
  const admin = adminClient(brokers);
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
          configEntries: [{ name: 'min.insync.replicas', value: String(t.replicationFactor >= 3 ? 2 : 1) }],
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
