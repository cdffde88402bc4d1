/**
 * The stack's supervisor: a detached daemon started by `tillstream-stack up`. It starts the shards,
 * the Kafka nodes, (when built) the services and Prometheus, restarts whatever dies, keeps
 * .stack/state.json current, and on SIGTERM stops everything it started.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { claimShardIdentities, migrate } from '@tillstream/schema';
import { apiKeyFile, ensureStackApiKey } from './api-key.js';
import {
  bootstrapServers,
  ensureTopics,
  kafkaCommand,
  newClusterId,
  planKafkaNodes,
  prepareKafkaNode,
  waitForKafka,
} from './kafka.js';
import {
  ensureDatabase,
  initShard,
  planShards,
  postgresCommand,
  serverUser,
  waitForPostgres,
} from './postgres.js';
import { createNodeNetwork, netnsAvailable, removeNodeNetwork } from './network.js';
import { findPostgresBin, requireTool } from './prerequisites.js';
import { CPU_CGROUP_ROOT, CpuGroup, parentShares } from './cpu-group.js';
import { Supervised } from './process.js';
import { modeNeeds, rabbitmqProcesses, rabbitmqUrl, waitForRabbitmq } from './modes.js';
import { prometheusSpec } from './prometheus.js';
import { servicePlans, waitForHttp } from './services.js';
import { loadStackSettings, REPO_ROOT } from './settings.js';
import { writeState, type StackState } from './state.js';

const settings = loadStackSettings();
const logDir = path.join(settings.stackDir, 'logs');
mkdirSync(logDir, { recursive: true });
const log = (line: string) =>
  appendFileSync(path.join(logDir, 'supervisor.log'), `${new Date().toISOString()} ${line}\n`);

const shards = planShards(settings);
const needs = modeNeeds(settings.mode);
// MODE (src/modes.ts): the baselines run without Kafka.
const nodes = needs.kafka ? planKafkaNodes(settings) : [];
// Generated even when the services are not started here: a demo that starts them later uses it.
const purchaseApiKey = ensureStackApiKey(settings.stackDir);
const services = settings.services.enabled
  ? servicePlans(settings, purchaseApiKey).filter((s) => existsSync(s.entry))
  : [];
const bootstrap = bootstrapServers(settings);

const procs = new Map<string, Supervised>();
let status: StackState['status'] = 'starting';
let message: string | undefined;
let writing = Promise.resolve();

function snapshot(): StackState {
  const pid = (name: string) => procs.get(name)?.pid ?? null;
  const restarts = (name: string) => procs.get(name)?.restarts ?? 0;
  const prometheus = procs.get('prometheus');
  return {
    version: 1,
    status,
    ...(message ? { message } : {}),
    supervisor: { pid: process.pid, startedAt },
    settings: settings.shape,
    kafka: {
      bootstrap,
      topic: settings.kafka.topic,
      dlqTopic: settings.kafka.dlqTopic,
      partitions: settings.kafka.partitions,
      replicationFactor: settings.kafka.replicationFactor,
      network: settings.kafka.network,
      nodes: nodes.map((n) => ({
        id: n.id,
        pid: pid(`kafka-${n.id}`),
        host: n.host,
        port: n.port,
        controllerPort: n.controllerPort,
        restarts: restarts(`kafka-${n.id}`),
      })),
    },
    shards: shards.map((s) => ({
      index: s.index,
      url: s.url,
      pid: pid(`shard-${s.index}`),
      port: s.port,
      dataDir: s.dataDir,
      restarts: restarts(`shard-${s.index}`),
    })),
    services: Object.fromEntries(
      services.map((s) => [
        s.name,
        {
          url: `http://127.0.0.1:${s.port}`,
          pids: pid(s.name) ? [pid(s.name)!] : [],
          restarts: restarts(s.name),
        },
      ]),
    ),
    ...(prometheus
      ? { prometheus: { url: `http://127.0.0.1:${settings.prometheus.port}`, pid: pid('prometheus') } }
      : {}),
    mode: settings.mode,
    purchaseApiKeyFile: apiKeyFile(settings.stackDir),
    ...(needs.rabbitmq ? { rabbitmq: { url: rabbitmqUrl(settings.rabbitmq), pid: pid('rabbitmq') } } : {}),
  };
}

const startedAt = new Date().toISOString();
function publish(): void {
  const state = snapshot();
  writing = writing
    .then(() => writeState(settings.stackDir, state))
    .catch((e: Error) => log(`state write failed: ${e.message}`));
}

/**
 * STACK_CPU_SHARES: one CPU group per named process, under a parent named after this stack's
 * directory (two stacks on one machine keep theirs apart).
 */
const cpuGroupParent = `tillstream-${createHash('sha256').update(settings.stackDir).digest('hex').slice(0, 12)}`;
const cpuGroups = new Map<string, CpuGroup>();

function cpuGroupOf(name: string): CpuGroup | undefined {
  const shares = settings.cpuShares[name];
  if (shares === undefined) return undefined;
  let group = cpuGroups.get(name);
  if (!group) {
    // The parent first, weighing what its groups weigh together (see parentShares).
    if (cpuGroups.size === 0) CpuGroup.create(cpuGroupParent, parentShares(settings.cpuShares));
    group = CpuGroup.create(path.join(cpuGroupParent, name), shares);
    cpuGroups.set(name, group);
    log(`${name}: CPU group ${group.dir}, cpu.shares ${shares}`);
  }
  return group;
}

function closeCpuGroups(): void {
  for (const group of cpuGroups.values()) {
    try {
      group.close();
    } catch (error) {
      log(`CPU group ${group.dir} not removed: ${(error as Error).message}`);
    }
  }
  try {
    if (cpuGroups.size > 0) rmdirSync(path.join(CPU_CGROUP_ROOT, cpuGroupParent));
  } catch (error) {
    log(`CPU group parent not removed: ${(error as Error).message}`);
  }
}

function supervise(spec: ConstructorParameters<typeof Supervised>[0]): Supervised {
  const cpuGroup = cpuGroupOf(spec.name);
  const proc = new Supervised(cpuGroup ? { ...spec, cpuGroup } : spec, logDir, log, publish);
  procs.set(spec.name, proc);
  proc.start();
  return proc;
}

async function startAll(): Promise<void> {
  publish();
  const planned = [
    ...shards.map((s) => `shard-${s.index}`),
    ...nodes.map((n) => `kafka-${n.id}`),
    ...services.map((s) => s.name),
    'prometheus',
  ];
  const unknown = Object.keys(settings.cpuShares).filter((name) => !planned.includes(name));
  if (unknown.length > 0)
    throw new Error(`STACK_CPU_SHARES names processes this stack does not run: ${unknown.join(', ')}`);
  const binDir = findPostgresBin(settings);
  const user = serverUser();
  await Promise.all(shards.map(async (shard) => initShard(shard, settings, binDir)));
  for (const shard of shards) {
    const { command, args } = postgresCommand(shard, binDir, settings.shards.pgOptions);
    supervise({
      name: `shard-${shard.index}`,
      command,
      args,
      stopSignal: 'SIGINT',
      ...(user ? { user } : {}),
    });
  }

  if (needs.rabbitmq) {
    requireTool('rabbitmq');
    for (const spec of rabbitmqProcesses(settings.rabbitmq)) supervise(spec);
  }
  const clusterIdFile = path.join(settings.stackDir, 'kafka', 'cluster-id');
  mkdirSync(path.dirname(clusterIdFile), { recursive: true });
  if (!existsSync(clusterIdFile)) writeFileSync(clusterIdFile, newClusterId());
  const clusterId = readFileSync(clusterIdFile, 'utf8').trim();
  if (needs.kafka && settings.kafka.network === 'netns') {
    requireTool('iproute2');
    if (!netnsAvailable()) throw new Error('KAFKA_NETWORK=netns needs Linux and root (ip netns)');
    createNodeNetwork(nodes.map((n) => n.id));
  }
  for (const node of nodes) {
    prepareKafkaNode(node, nodes, settings, clusterId);
    const { command, args } = kafkaCommand(node, settings);
    supervise({ name: `kafka-${node.id}`, command, args, cwd: node.dir });
  }

  await Promise.all(
    shards.map(async (shard) => {
      await waitForPostgres(shard.url.replace(/\/[^/]*$/, '/postgres'), 60_000);
      await ensureDatabase(shard.url, settings.shards.database);
      const applied = await migrate(shard.url);
      if (applied.length > 0) log(`shard-${shard.index}: applied migrations ${applied.join(', ')}`);
    }),
  );
  // Entry i of SHARD_URLS is shard i: the services check these rows at start.
  await claimShardIdentities(
    shards.map((shard) => shard.url),
    settings.kafka.partitions,
  );
  log(`${shards.length} shards ready`);
  if (needs.rabbitmq) {
    await waitForRabbitmq(settings.rabbitmq.port, 90_000);
    log(`rabbitmq ready (:${settings.rabbitmq.port})`);
  }
  if (needs.kafka) {
    const brokers = bootstrap.split(',');
    await waitForKafka(brokers, nodes.length, 90_000);
    await ensureTopics(brokers, [
      {
        name: settings.kafka.topic,
        partitions: settings.kafka.partitions,
        replicationFactor: settings.kafka.replicationFactor,
      },
      { name: settings.kafka.dlqTopic, partitions: 1, replicationFactor: settings.kafka.replicationFactor },
    ]);
    log(`kafka ready (${nodes.length} node(s)), topics ensured`);
  }

  for (const service of services) supervise(service.spec);
  await Promise.all(services.map((s) => waitForHttp(`http://127.0.0.1:${s.port}/readyz`, 60_000)));
  if (services.length > 0) log(`services ready: ${services.map((s) => s.name).join(', ')}`);

  const prometheus = prometheusSpec(settings, services);
  if (prometheus) {
    supervise(prometheus);
    log('prometheus started');
  }
  status = 'ready';
  publish();
}

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  status = 'stopping';
  publish();
  log(`${signal}: stopping`);
  const byKind = (prefix: string) => [...procs.values()].filter((p) => p.spec.name.startsWith(prefix));
  const serviceNames = new Set<string>(services.map((s) => s.name));
  await Promise.all(
    [...procs.values()]
      .filter((p) => serviceNames.has(p.spec.name) || p.spec.name === 'prometheus')
      .map((p) => p.stop(12_000)),
  );
  await Promise.all(byKind('kafka-').map((p) => p.stop(30_000)));
  await Promise.all(byKind('rabbitmq').map((p) => p.stop(30_000)));
  await Promise.all(byKind('epmd').map((p) => p.stop(5_000)));
  await Promise.all(byKind('shard-').map((p) => p.stop(30_000)));
  if (settings.kafka.network === 'netns') removeNodeNetwork(nodes.map((n) => n.id));
  closeCpuGroups();
  await writing;
  log('stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGHUP', () => undefined);
process.chdir(REPO_ROOT);
// The supervisor lives until `down`, even when nothing could be started (so `status` can show why).
setInterval(() => undefined, 60_000);

startAll().catch((error: Error) => {
  status = 'failed';
  message = error.message;
  log(`start failed: ${error.stack ?? error.message}`);
  publish();
  // Leave the processes running so `status`/logs can be inspected; `down` stops them.
});
