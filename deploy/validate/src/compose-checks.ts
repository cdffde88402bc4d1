// Validates docker-compose.yml: the Compose Specification JSON schema (the copy Docker Compose itself
// embeds, vendored) and the cross-checks the schema cannot express.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ComposeDocument, ComposeService } from './compose.js';
import { serviceEnvironment } from './compose.js';
import { parseDockerfile } from './dockerfile.js';
import { COMPOSE_SCHEMA_FILE, REPO_ROOT } from './paths.js';
import type { ServiceConfigProbe } from './service-config.js';

/** Schema errors as `path: message` lines (empty when valid). */
export function composeSchemaErrors(doc: unknown): string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addFormat('duration', /^[-+]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  const validate = ajv.compile(JSON.parse(readFileSync(COMPOSE_SCHEMA_FILE, 'utf8')) as object);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

/** What the native stack runs, which compose must agree with. */
export interface Topology {
  readonly topic: string;
  readonly dlqTopic: string;
  readonly partitions: number;
  readonly dlqPartitions: number;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  readonly shardCount: number;
  readonly groupId: string;
}

export interface ComposeExpectations {
  readonly topology: Topology;
  /** Compose service → the published container ports it may have (nothing else may publish). */
  readonly publishedPorts: Readonly<Record<string, readonly number[]>>;
  /** Our own services: compose service → services/<name>, whose config must accept the environment. */
  readonly configs: Readonly<Record<string, ServiceConfigProbe | undefined>>;
  /** Variables the native stack gives every service (stack/src/services.ts), to be set here too. */
  /** What the native stack sets, by service name (`nativeServiceVariables()`). */
  readonly nativeVariables: Readonly<Record<string, readonly string[]>>;
}

const serviceDirOf = (svc: ComposeService): string | undefined => {
  const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
  const match = /^services\/([^/]+)\/Dockerfile$/.exec(build?.dockerfile ?? '');
  return match?.[1];
};

const longRunning = (svc: ComposeService) => svc.restart !== 'no' && !(svc.profiles?.length ?? 0);

function publishedTargets(svc: ComposeService): number[] {
  return (svc.ports ?? []).map((port) => {
    if (typeof port === 'object') return Number(port.target);
    const parts = String(port).split(':');
    return Number(parts[parts.length - 1]!.split('/')[0]);
  });
}

function dependencies(svc: ComposeService): Record<string, string> {
  const deps = svc.depends_on;
  if (!deps) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.condition ?? 'service_started']));
}

function hasHealthcheck(svc: ComposeService): boolean {
  if (svc.healthcheck?.disable) return false;
  if (svc.healthcheck?.test) return true;
  const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
  if (!build) return false;
  const file = path.join(REPO_ROOT, build.context ?? '.', build.dockerfile ?? 'Dockerfile');
  return existsSync(file) && parseDockerfile(readFileSync(file, 'utf8')).finalStage.healthcheck !== undefined;
}

/** Every problem found, one line each (empty when compose is consistent). */
export function composeCrossCheckErrors(doc: ComposeDocument, expect: ComposeExpectations): string[] {
  const errors: string[] = [];
  const services = doc.services;
  const names = new Set(Object.keys(services));
  const declaredVolumes = new Set(Object.keys(doc.volumes ?? {}));
  const { topology } = expect;

  for (const [name, svc] of Object.entries(services)) {
    // Builds: the context and the Dockerfile exist.
    if (svc.build) {
      const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
      const context = path.join(REPO_ROOT, build.context ?? '.');
      const dockerfile = path.join(context, build.dockerfile ?? 'Dockerfile');
      if (!existsSync(context) || !statSync(context).isDirectory())
        errors.push(`${name}: build context ${build.context} does not exist`);
      if (!existsSync(dockerfile)) errors.push(`${name}: Dockerfile ${build.dockerfile} does not exist`);
    }
    if (!svc.build && !svc.image) errors.push(`${name}: neither image nor build`);
    if (svc.image && !/:[\w][\w.-]*$/.test(svc.image) && !svc.image.includes('@sha256:'))
      errors.push(`${name}: image ${svc.image} is not pinned to a tag`);
    if (svc.image && /:latest$/.test(svc.image)) errors.push(`${name}: image ${svc.image} uses :latest`);

    // Long-running services are health-checked; dependencies are health-gated.
    if (longRunning(svc) && !hasHealthcheck(svc))
      errors.push(`${name}: long-running service without a healthcheck`);
    for (const [dep, condition] of Object.entries(dependencies(svc))) {
      if (!names.has(dep)) {
        errors.push(`${name}: depends on unknown service ${dep}`);
        continue;
      }
      const target = services[dep]!;
      if (condition === 'service_started')
        errors.push(`${name}: depends on ${dep} without a health or completion condition`);
      if (condition === 'service_healthy' && !hasHealthcheck(target))
        errors.push(`${name}: waits for ${dep} to be healthy but ${dep} has no healthcheck`);
      if (condition === 'service_completed_successfully' && target.restart !== 'no')
        errors.push(`${name}: waits for ${dep} to complete but ${dep} restarts`);
    }

    // Only the allowed ports are published.
    const allowed = new Set(expect.publishedPorts[name] ?? []);
    for (const port of publishedTargets(svc))
      if (!allowed.has(port)) errors.push(`${name}: publishes port ${port}, which must stay internal`);

    // Volumes: named ones are declared, bind mounts exist.
    for (const volume of svc.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? '');
      if (source.startsWith('.') || source.startsWith('/')) {
        if (!existsSync(path.join(REPO_ROOT, source)))
          errors.push(`${name}: bind mount ${source} does not exist`);
      } else if (source && !declaredVolumes.has(source)) {
        errors.push(`${name}: volume ${source} is not declared`);
      }
    }
  }
  for (const [name, allowedPorts] of Object.entries(expect.publishedPorts)) {
    const published = new Set(publishedTargets(services[name] ?? {}));
    for (const port of allowedPorts)
      if (!published.has(port)) errors.push(`${name}: port ${port} is not published`);
  }

  errors.push(...topologyErrors(doc, topology));
  errors.push(...environmentErrors(doc, expect));
  return errors;
}

function topologyErrors(doc: ComposeDocument, topology: Topology): string[] {
  const errors: string[] = [];
  const services = doc.services;
  const kafkaNodes = Object.keys(services).filter((n) => /^kafka-\d+$/.test(n));
  const shards = Object.keys(services)
    .filter((n) => /^shard-\d+$/.test(n))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  if (shards.length !== topology.shardCount)
    errors.push(`${shards.length} shard services, the native stack runs ${topology.shardCount}`);
  if (kafkaNodes.length !== topology.replicationFactor)
    errors.push(`${kafkaNodes.length} Kafka nodes for a replication factor of ${topology.replicationFactor}`);

  const init = serviceEnvironment(services['kafka-topics'] ?? {});
  const expectInit: Record<string, string | number> = {
    KAFKA_TOPIC: topology.topic,
    KAFKA_DLQ_TOPIC: topology.dlqTopic,
    KAFKA_PARTITIONS: topology.partitions,
    KAFKA_DLQ_PARTITIONS: topology.dlqPartitions,
    KAFKA_REPLICATION_FACTOR: topology.replicationFactor,
    KAFKA_MIN_INSYNC_REPLICAS: topology.minInsyncReplicas,
  };
  for (const [key, value] of Object.entries(expectInit))
    if (init[key] !== String(value))
      errors.push(`kafka-topics: ${key}=${init[key]}, the native stack uses ${value}`);

  for (const [name, svc] of Object.entries(services)) {
    const env = serviceEnvironment(svc);
    if (env.SHARD_URLS !== undefined) {
      const hosts = env.SHARD_URLS.split(',').map((u) => new URL(u).hostname);
      if (hosts.join(',') !== shards.join(','))
        errors.push(
          `${name}: SHARD_URLS hosts ${hosts.join(',')} are not the shards in order (${shards.join(',')})`,
        );
    }
    if (env.KAFKA_BROKERS !== undefined) {
      const brokers = env.KAFKA_BROKERS.split(',').map((b) => b.split(':')[0]);
      const unknown = brokers.filter((b) => !kafkaNodes.includes(b!));
      if (unknown.length > 0) errors.push(`${name}: KAFKA_BROKERS names unknown hosts ${unknown.join(',')}`);
    }
    for (const [key, value] of [
      ['KAFKA_TOPIC', topology.topic],
      ['KAFKA_DLQ_TOPIC', topology.dlqTopic],
      ['KAFKA_PARTITIONS', String(topology.partitions)],
    ] as const)
      if (name !== 'kafka-topics' && env[key] !== undefined && env[key] !== value)
        errors.push(`${name}: ${key}=${env[key]}, the native stack uses ${value}`);
  }
  const consumerReplicas = Number(services.consumer?.deploy?.replicas ?? 1);
  if (!(consumerReplicas >= 1 && consumerReplicas <= topology.partitions))
    errors.push(
      `consumer: ${consumerReplicas} replicas, must be between 1 and ${topology.partitions} partitions`,
    );
  return errors;
}

function environmentErrors(doc: ComposeDocument, expect: ComposeExpectations): string[] {
  const errors: string[] = [];
  for (const [name, svc] of Object.entries(doc.services)) {
    const serviceDir = serviceDirOf(svc);
    if (!serviceDir || svc.command) continue; // a one-shot using the image for another program
    if (!(name in expect.configs)) {
      errors.push(`${name}: runs services/${serviceDir} but is not in the list of checked services`);
      continue;
    }
    const probe = expect.configs[name];
    if (!probe) continue; // the service's config.ts does not exist yet
    const dockerfilePath = path.join(REPO_ROOT, 'services', serviceDir, 'Dockerfile');
    if (!existsSync(dockerfilePath)) continue; // reported with the builds
    const dockerfile = parseDockerfile(readFileSync(dockerfilePath, 'utf8'));
    const env = { ...dockerfile.finalStage.env, ...serviceEnvironment(svc) };
    const configFile = path.relative(REPO_ROOT, probe.configFile);
    for (const key of Object.keys(serviceEnvironment(svc)))
      if (!probe.reads.has(key)) errors.push(`${name}: sets ${key}, which ${configFile} does not read`);
    for (const key of probe.required) if (!(key in env)) errors.push(`${name}: required ${key} is not set`);
    for (const key of expect.nativeVariables[serviceDir] ?? [])
      if (probe.reads.has(key) && !(key in env))
        errors.push(`${name}: ${key} is set by the native stack but not here`);
    const problem = probe.check(env);
    if (problem) errors.push(`${name}: the service's config rejects this environment: ${problem}`);
  }
  return errors;
}
