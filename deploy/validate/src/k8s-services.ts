// Checks that tie a render to tillstream itself: each service's environment is accepted by its own config
// loader, probes and graceful termination match the service, and the topic/partition/shard settings agree
// with the native stack; the consumer's KEDA ScaledObject stays within the partition count.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Topology } from './compose-checks.js';
import { parseDockerfile } from './dockerfile.js';
import type { K8sObject } from './kustomize.js';
import { byKind, workloads, type Container, type Workload } from './k8s-objects.js';
import { REPO_ROOT } from './paths.js';
import type { ServiceConfigProbe } from './service-config.js';

export const SERVICES = { purchase: 8080, store: 8081, consumer: 8082 } as const;
export type ServiceName = keyof typeof SERVICES;

export interface ServiceCheckOptions {
  readonly topology: Topology;
  readonly configs: Readonly<Record<ServiceName, ServiceConfigProbe | undefined>>;
  /** What the native stack sets, by service name (`nativeServiceVariables()`). */
  readonly nativeVariables: Readonly<Record<string, readonly string[]>>;
  /** Values used for keys of Secrets that exist only in the cluster (e.g. the ec2 overlay's shard-urls). */
  readonly externalSecretValues: Readonly<Record<string, Record<string, string>>>;
  /** Whether the consumer must be scaled by a KEDA ScaledObject. */
  readonly expectKeda: boolean;
}

/** Trigger metadata keys of KEDA's Kafka scaler (pkg/scalers/kafka_scaler.go at the vendored version). */
export const KEDA_KAFKA_METADATA = new Set([
  'allowIdleConsumers', 'awsRegion', 'bootstrapServers', 'bootstrapServersFromEnv', 'consumerGroup',
  'consumerGroupFromEnv', 'ensureEvenDistributionOfPartitions', 'excludePersistentLag', 'limitToPartitionsWithLag',
  'offsetResetPolicy', 'partitionLimitation', 'sasl', 'saslTokenProvider', 'scaleToZeroOnInvalidOffset', 'tls',
  'topic', 'topicFromEnv', 'unsafeSsl', 'version', 'lagThreshold', 'activationLagThreshold',
]); // prettier-ignore

function data(
  objects: readonly K8sObject[],
  kind: 'ConfigMap' | 'Secret',
  name: string,
): Record<string, string> | undefined {
  const found = byKind(objects, kind).find((o) => o.metadata.name === name) as
    { data?: Record<string, string>; stringData?: Record<string, string> } | undefined;
  if (!found) return undefined;
  if (kind === 'ConfigMap') return found.data ?? {};
  const decoded = Object.fromEntries(
    Object.entries(found.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
  return { ...decoded, ...found.stringData };
}

/** A container's environment with ConfigMap and Secret references resolved (undefined when unresolvable). */
export function resolveEnv(
  objects: readonly K8sObject[],
  c: Container,
  external: ServiceCheckOptions['externalSecretValues'],
) {
  const env: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const e of c.env ?? []) {
    const cm = e.valueFrom?.configMapKeyRef;
    const secret = e.valueFrom?.secretKeyRef;
    const value =
      e.value ??
      (cm ? data(objects, 'ConfigMap', cm.name)?.[cm.key] : undefined) ??
      (secret ? (data(objects, 'Secret', secret.name) ?? external[secret.name])?.[secret.key] : undefined);
    if (value === undefined) unresolved.push(e.name);
    else env[e.name] = value;
  }
  return { env, unresolved };
}

const settingsOf = (objects: readonly K8sObject[]) =>
  data(
    objects,
    'ConfigMap',
    byKind(objects, 'ConfigMap').find((o) => o.metadata.name.startsWith('tillstream-settings'))?.metadata
      .name ?? '',
  ) ?? {};

function serviceErrors(
  objects: readonly K8sObject[],
  w: Workload,
  name: ServiceName,
  options: ServiceCheckOptions,
): string[] {
  const errors: string[] = [];
  const label = `Deployment/${name}`;
  const port = SERVICES[name];
  const c = w.pod.containers[0]!;
  if (!c.image?.match(new RegExp(`(^|/)tillstream/${name}:`)))
    errors.push(`${label}: image ${c.image} is not tillstream/${name}`);
  if (c.command || c.args) errors.push(`${label}: overrides the image's start command`);
  if (!c.ports?.some((p) => p.containerPort === port)) errors.push(`${label}: does not expose ${port}`);
  const http = (probe: typeof c.readinessProbe) => probe?.httpGet?.path;
  if (http(c.readinessProbe) !== '/readyz') errors.push(`${label}: readinessProbe is not GET /readyz`);
  if (http(c.livenessProbe) !== '/healthz') errors.push(`${label}: livenessProbe is not GET /healthz`);
  const annotations = (
    w.object as unknown as { spec: { template: { metadata: { annotations?: Record<string, string> } } } }
  ).spec.template.metadata.annotations;
  if (annotations?.['prometheus.io/scrape'] !== 'true' || annotations['prometheus.io/port'] !== String(port))
    errors.push(`${label}: pods are not annotated for Prometheus on port ${port}`);

  const { env, unresolved } = resolveEnv(objects, c, options.externalSecretValues);
  for (const u of unresolved) errors.push(`${label}: env ${u} cannot be resolved`);
  const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? NaN);
  const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = w.pod.terminationGracePeriodSeconds ?? 30;
  if (!Number.isFinite(shutdownMs)) errors.push(`${label}: SHUTDOWN_TIMEOUT_MS is not set`);
  else if (preStop + shutdownMs / 1000 >= grace)
    errors.push(
      `${label}: preStop ${preStop}s + SHUTDOWN_TIMEOUT_MS ${shutdownMs}ms does not fit in terminationGracePeriodSeconds ${grace}`,
    );

  const probe = options.configs[name];
  if (probe) {
    const dockerfile = parseDockerfile(
      readFileSync(path.join(REPO_ROOT, 'services', name, 'Dockerfile'), 'utf8'),
    );
    const full = { ...dockerfile.finalStage.env, ...env };
    for (const key of Object.keys(env))
      if (!probe.reads.has(key))
        errors.push(`${label}: sets ${key}, which services/${name}/src/config.ts does not read`);
    for (const key of probe.required) if (!(key in full)) errors.push(`${label}: required ${key} is not set`);
    for (const key of options.nativeVariables[name] ?? [])
      if (probe.reads.has(key) && !(key in full))
        errors.push(`${label}: ${key} is set by the native stack but not here`);
    const problem = unresolved.length === 0 ? probe.check(full) : undefined;
    if (problem) errors.push(`${label}: the service's config rejects this environment: ${problem}`);
  }
  return errors;
}

function topologyErrors(objects: readonly K8sObject[], options: ServiceCheckOptions): string[] {
  const errors: string[] = [];
  const { topology } = options;
  const settings = settingsOf(objects);
  const expected: Record<string, string | number> = {
    KAFKA_TOPIC: topology.topic,
    KAFKA_DLQ_TOPIC: topology.dlqTopic,
    KAFKA_PARTITIONS: topology.partitions,
    KAFKA_DLQ_PARTITIONS: topology.dlqPartitions,
    KAFKA_REPLICATION_FACTOR: topology.replicationFactor,
    KAFKA_MIN_INSYNC_REPLICAS: topology.minInsyncReplicas,
    KAFKA_GROUP_ID: topology.groupId,
  };
  for (const [key, value] of Object.entries(expected))
    if (settings[key] !== String(value))
      errors.push(`tillstream-settings: ${key}=${settings[key]}, the native stack uses ${value}`);

  const all = workloads(objects);
  const kafka = all.find((w) => w.kind === 'StatefulSet' && w.name === 'kafka');
  const kafkaReplicas = Number(
    (kafka?.object as unknown as { spec?: { replicas?: number } })?.spec?.replicas ?? 0,
  );
  if (kafkaReplicas !== topology.replicationFactor)
    errors.push(`kafka: ${kafkaReplicas} nodes for a replication factor of ${topology.replicationFactor}`);
  const brokers = (settings.KAFKA_BROKERS ?? '').split(',');
  const expectedBrokers = Array.from({ length: kafkaReplicas }, (_, i) => `kafka-${i}.kafka-headless:9092`);
  if (brokers.join(',') !== expectedBrokers.join(','))
    errors.push(`tillstream-settings: KAFKA_BROKERS is not ${expectedBrokers.join(',')}`);

  const shards = all.filter((w) => w.kind === 'StatefulSet' && /^shard-\d+$/.test(w.name)).map((w) => w.name);
  if (shards.length !== topology.shardCount)
    errors.push(`${shards.length} shard StatefulSets, the native stack runs ${topology.shardCount}`);
  const credentials = byKind(objects, 'Secret').find((s) => s.metadata.name.startsWith('shard-credentials'));
  const urls = credentials
    ? data(objects, 'Secret', credentials.metadata.name)?.['shard-urls']
    : options.externalSecretValues['shard-credentials']?.['shard-urls'];
  const hosts = (urls ?? '').split(',').map((u) => (u ? new URL(u).hostname : ''));
  const ordered = Array.from({ length: topology.shardCount }, (_, i) => `shard-${i}`);
  if (hosts.join(',') !== ordered.join(','))
    errors.push(`shard-urls hosts ${hosts.join(',')} are not ${ordered.join(',')} in order`);

  for (const job of ['kafka-topics', 'migrate'])
    if (!all.some((w) => w.kind === 'Job' && w.name === job)) errors.push(`Job ${job} is missing`);
  // k6 runs are Jobs created from this suspended CronJob (`kubectl create job --from=cronjob/k6`).
  const k6 = all.find((w) => w.kind === 'CronJob' && w.name === 'k6');
  if (!k6) errors.push('CronJob k6 is missing');
  else if ((k6.object as { spec?: { suspend?: boolean } }).spec?.suspend !== true)
    errors.push('CronJob k6 is not suspended: applying the manifests would start a load test');
  return errors;
}

interface ScaledObject extends K8sObject {
  spec: {
    scaleTargetRef: { name: string; kind?: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    triggers: { type: string; metadata: Record<string, string> }[];
  };
}

function scalingErrors(objects: readonly K8sObject[], options: ServiceCheckOptions): string[] {
  const errors: string[] = [];
  const partitions = options.topology.partitions;
  const hpas = byKind(objects, 'HorizontalPodAutoscaler') as (K8sObject & {
    spec: {
      scaleTargetRef: { name: string };
      maxReplicas: number;
      metrics?: { type: string; resource?: { name: string } }[];
    };
  })[];
  for (const name of ['purchase', 'store']) {
    const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === name);
    if (!hpa?.spec.metrics?.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu'))
      errors.push(`${name}: no CPU HorizontalPodAutoscaler`);
  }
  if (hpas.some((h) => h.spec.scaleTargetRef.name === 'consumer'))
    errors.push('consumer: scaled by a plain HPA (use KEDA on lag)');
  // An autoscaled Deployment must leave spec.replicas unset, or every apply resets the autoscaler's count.
  const autoscaled = [
    ...hpas.map((h) => h.spec.scaleTargetRef.name),
    ...(byKind(objects, 'ScaledObject') as ScaledObject[]).map((s) => s.spec.scaleTargetRef.name),
  ];
  for (const w of workloads(objects))
    if (
      w.kind === 'Deployment' &&
      autoscaled.includes(w.name) &&
      (w.object.spec as { replicas?: number }).replicas !== undefined
    )
      errors.push(`Deployment/${w.name}: sets replicas although an autoscaler owns the count`);
  const scaled = (byKind(objects, 'ScaledObject') as ScaledObject[]).filter(
    (s) => s.spec.scaleTargetRef.name === 'consumer',
  );
  const consumer = workloads(objects).find((w) => w.kind === 'Deployment' && w.name === 'consumer');
  const replicas = Number(
    (consumer?.object as unknown as { spec?: { replicas?: number } })?.spec?.replicas ?? 1,
  );
  if (replicas > partitions) errors.push(`consumer: ${replicas} replicas for ${partitions} partitions`);
  if (options.expectKeda && scaled.length !== 1) errors.push('consumer: expected one KEDA ScaledObject');
  if (!options.expectKeda && scaled.length > 0) errors.push('consumer: unexpected KEDA ScaledObject');
  const settings = settingsOf(objects);
  for (const so of scaled) {
    const label = `ScaledObject/${so.metadata.name}`;
    if ((so.spec.maxReplicaCount ?? 100) > partitions)
      errors.push(`${label}: maxReplicaCount ${so.spec.maxReplicaCount} exceeds ${partitions} partitions`);
    if ((so.spec.minReplicaCount ?? 0) < 1) errors.push(`${label}: may scale the consumer to zero`);
    for (const trigger of so.spec.triggers) {
      if (trigger.type !== 'kafka') {
        errors.push(`${label}: trigger ${trigger.type} is not kafka`);
        continue;
      }
      for (const key of Object.keys(trigger.metadata))
        if (!KEDA_KAFKA_METADATA.has(key)) errors.push(`${label}: unknown kafka trigger field ${key}`);
      if (trigger.metadata.consumerGroup !== settings.KAFKA_GROUP_ID)
        errors.push(`${label}: consumerGroup is not ${settings.KAFKA_GROUP_ID}`);
      if (trigger.metadata.topic !== settings.KAFKA_TOPIC)
        errors.push(`${label}: topic is not ${settings.KAFKA_TOPIC}`);
      const ns = so.metadata.namespace;
      if (trigger.metadata.bootstrapServers !== `kafka.${ns}.svc:9092`)
        errors.push(`${label}: bootstrapServers is not kafka.${ns}.svc:9092`);
    }
  }
  return errors;
}

/** Every tillstream-specific problem in a render (empty when it passes). */
export function serviceCheckErrors(objects: readonly K8sObject[], options: ServiceCheckOptions): string[] {
  const errors: string[] = [];
  const all = workloads(objects);
  for (const name of Object.keys(SERVICES) as ServiceName[]) {
    const w = all.find((x) => x.kind === 'Deployment' && x.name === name);
    if (!w) errors.push(`Deployment ${name} is missing`);
    else errors.push(...serviceErrors(objects, w, name, options));
  }
  errors.push(...topologyErrors(objects, options), ...scalingErrors(objects, options));
  return errors;
}
