// Renders every overlay with the pinned kustomize and validates it offline: the Kubernetes API schema
// (unknown fields rejected), KEDA's CRD schema, the hardening/reference policy, the NetworkPolicy reachability
// that isolates the data stores, and agreement with the services' configs and the native stack.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { createSchemaValidator, type SchemaValidator } from '../src/k8s-schema.js';
import { policyErrors } from '../src/k8s-policy.js';
import { serviceCheckErrors, type ServiceCheckOptions } from '../src/k8s-services.js';
import { kustomizeBuild, type K8sObject } from '../src/kustomize.js';
import { allowedSources, networkPolicyErrors } from '../src/network-policy.js';
import { workloads } from '../src/k8s-objects.js';
import { REPO_ROOT } from '../src/paths.js';
import { probeServiceConfig } from '../src/service-config.js';
import { nativeServiceVariables, nativeTopology } from '../src/topology.js';

const OVERLAYS_DIR = path.join(REPO_ROOT, 'k8s', 'overlays');
const overlays = readdirSync(OVERLAYS_DIR).sort();

/** What each overlay is expected to look like beyond the shared checks. */
const OVERLAY_EXPECTATIONS: Record<string, { externalSecrets: string[]; keda: boolean }> = {
  ec2: { externalSecrets: ['shard-credentials', 'grafana-admin', 'purchase-api-keys'], keda: true },
  // The purchase API key is generated in the cluster by deploy/k8s-local/deploy.sh, never committed.
  local: { externalSecrets: ['purchase-api-keys'], keda: false },
};

// Stand-ins for the Secrets deploy/ec2/create-secrets.sh creates in the cluster (same keys and URL shape).
const placeholderUrls = [0, 1, 2, 3]
  .map((i) => `postgres://tillstream:x@shard-${i}:5432/tillstream`)
  .join(',');
const EXTERNAL_SECRET_VALUES = {
  'shard-credentials': { username: 'tillstream', password: 'x', 'shard-urls': placeholderUrls },
  'grafana-admin': { username: 'admin', password: 'x' },
  'purchase-api-keys': { keys: 'placeholder-key-of-32-characters' },
};

let validator: SchemaValidator;
let serviceOptions: Omit<ServiceCheckOptions, 'expectKeda'>;
const renders = new Map<string, K8sObject[]>();

before(async () => {
  validator = createSchemaValidator();
  const configs = {
    purchase: await probeServiceConfig('purchase'),
    store: await probeServiceConfig('store'),
    consumer: await probeServiceConfig('consumer'),
  };
  serviceOptions = {
    topology: nativeTopology(),
    configs,
    nativeVariables: nativeServiceVariables(),
    externalSecretValues: EXTERNAL_SECRET_VALUES,
  };
  for (const overlay of overlays) renders.set(overlay, kustomizeBuild(path.join(OVERLAYS_DIR, overlay)));
});

const render = (overlay: string) => structuredClone(renders.get(overlay)!);
const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name)!;

it('every overlay has its expectations written down here', () => {
  assert.deepEqual(overlays, Object.keys(OVERLAY_EXPECTATIONS).sort());
});

for (const overlay of overlays) {
  describe(`k8s/overlays/${overlay}`, () => {
    const expected = OVERLAY_EXPECTATIONS[overlay] ?? { externalSecrets: [], keda: false };

    it('renders, and every object is valid against the pinned API and CRD schemas', () => {
      const objects = render(overlay);
      assert.ok(objects.length > 30, `only ${objects.length} objects rendered`);
      assert.deepEqual(
        objects.flatMap((o) => validator.errors(o)),
        [],
      );
    });

    it('passes the policy: hardened pods, probes, resources, pinned images, references, selectors', () => {
      assert.deepEqual(policyErrors(render(overlay), { externalSecrets: expected.externalSecrets }), []);
      assert.deepEqual(networkPolicyErrors(render(overlay)), []);
    });

    it('agrees with the services and the native stack (env, probes, shutdown, topology, scaling)', () => {
      assert.deepEqual(
        serviceCheckErrors(render(overlay), { ...serviceOptions, expectKeda: expected.keda }),
        [],
      );
    });

    it('lets only the consumer and store reach the shards, only purchase and consumer reach Kafka', () => {
      const objects = render(overlay);
      const all = workloads(objects);
      for (const shard of all.filter((w) => /^shard-\d$/.test(w.name)))
        assert.deepEqual([...allowedSources(objects, shard, 5432)].sort(), ['consumer', 'migrate', 'store']);
      const kafka = all.find((w) => w.name === 'kafka')!;
      const kafkaClients = [...allowedSources(objects, kafka, 9092)].sort();
      const keda = expected.keda ? ['namespace:{"kubernetes.io/metadata.name":"keda"}'] : [];
      assert.deepEqual(kafkaClients, ['consumer', 'kafka', 'kafka-topics', ...keda, 'purchase'].sort());
      assert.deepEqual([...allowedSources(objects, kafka, 9093)], ['kafka']);
      const purchase = all.find((w) => w.name === 'purchase')!;
      assert.ok(allowedSources(objects, purchase, 8080).has('anywhere'), 'the purchase API is open');
      const consumer = all.find((w) => w.name === 'consumer')!;
      assert.deepEqual([...allowedSources(objects, consumer, 8082)], ['prometheus']);
    });
  });
}

describe('writes are authenticated in every overlay', () => {
  for (const overlay of overlays) {
    it(`${overlay}: purchase and the k6 job read the key from the Secret purchase-api-keys, which no file holds`, () => {
      const objects = render(overlay);
      const envOf = (kind: string, name: string) => {
        const o = find(objects, kind, name) as unknown as Record<string, unknown>;
        const podSpec =
          kind === 'CronJob'
            ? (o as { spec: { jobTemplate: { spec: { template: { spec: PodSpecLike } } } } }).spec.jobTemplate
                .spec.template.spec
            : (o as { spec: { template: { spec: PodSpecLike } } }).spec.template.spec;
        return podSpec.containers[0]!.env ?? [];
      };
      const ref = (env: EnvLike[], name: string) => env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
      assert.deepEqual(ref(envOf('Deployment', 'purchase'), 'PURCHASE_API_KEYS'), {
        name: 'purchase-api-keys',
        key: 'keys',
      });
      assert.deepEqual(ref(envOf('CronJob', 'k6'), 'API_KEY'), { name: 'purchase-api-keys', key: 'keys' });
      assert.equal(
        envOf('Deployment', 'purchase').find((e) => e.name === 'PURCHASE_AUTH'),
        undefined,
        'no overlay turns authentication off',
      );
      assert.deepEqual(
        objects.filter((o) => o.kind === 'Secret' && o.metadata.name.startsWith('purchase-api-keys')),
        [],
        'the key is generated in the cluster, not rendered from a committed file',
      );
    });
  }
});

interface EnvLike {
  name: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface PodSpecLike {
  containers: { env?: EnvLike[] }[];
}

describe('the k8s checks catch', () => {
  it('a purchase Deployment without an API key', () => {
    const objects = render('ec2');
    const purchase = find(objects, 'Deployment', 'purchase') as unknown as {
      spec: { template: { spec: PodSpecLike } };
    };
    const container = purchase.spec.template.spec.containers[0]!;
    container.env = container.env!.filter((e) => e.name !== 'PURCHASE_API_KEYS');
    assert.match(
      serviceCheckErrors(objects, { ...serviceOptions, expectKeda: true }).join('\n'),
      /purchase.*required PURCHASE_API_KEYS is not set/,
    );
  });

  it('an unknown field, a wrong type and a missing required field', () => {
    const objects = render('ec2');
    const deployment = find(objects, 'Deployment', 'purchase') as unknown as {
      spec: Record<string, unknown>;
    };
    deployment.spec.replica = 3;
    const service = find(objects, 'Service', 'store') as unknown as { spec: { ports: { port: unknown }[] } };
    service.spec.ports[0]!.port = 'eighty';
    const pdb = find(objects, 'PodDisruptionBudget', 'kafka') as unknown as { spec: Record<string, unknown> };
    const job = find(objects, 'Job', 'migrate') as unknown as { spec: Record<string, unknown> };
    delete job.spec.template;
    const errors = objects.flatMap((o) => validator.errors(o)).join('\n');
    assert.match(errors, /Deployment\/purchase: \/spec must NOT have additional properties 'replica'/);
    assert.match(errors, /Service\/store: \/spec\/ports\/0\/port must be integer/);
    assert.match(errors, /Job\/migrate: \/spec must have required property 'template'/);
    assert.ok(pdb);
  });

  it('an unknown field in a KEDA ScaledObject, and an unknown kind', () => {
    const objects = render('ec2');
    const so = find(objects, 'ScaledObject', 'consumer') as unknown as { spec: Record<string, unknown> };
    so.spec.maxReplicas = 12;
    const errors = [
      ...validator.errors(so as unknown as K8sObject),
      ...validator.errors({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ];
    assert.match(
      errors.join('\n'),
      /ScaledObject\/consumer: \/spec must NOT have additional properties 'maxReplicas'/,
    );
    assert.match(errors.join('\n'), /Widget\/w: no schema/);
  });

  it('a writable root filesystem, a missing probe, an unpinned image and a dangling Secret', () => {
    const objects = render('ec2');
    const store = find(objects, 'Deployment', 'store') as unknown as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const container = store.spec.template.spec.containers[0]!;
    (container.securityContext as Record<string, unknown>).readOnlyRootFilesystem = false;
    delete container.livenessProbe;
    container.image = 'tillstream/store:latest';
    const text = policyErrors(objects, { externalSecrets: ['grafana-admin'] }).join('\n');
    assert.match(text, /Deployment\/store container store: readOnlyRootFilesystem is not true/);
    assert.match(text, /Deployment\/store container store: no livenessProbe/);
    assert.match(text, /Deployment\/store container store: image tillstream\/store:latest is not pinned/);
    assert.match(text, /refers to missing Secret shard-credentials/);
  });

  it('a Service or NetworkPolicy that selects nothing', () => {
    const objects = render('local');
    (
      find(objects, 'Service', 'consumer') as unknown as { spec: { selector: Record<string, string> } }
    ).spec.selector = {
      'app.kubernetes.io/name': 'consumers',
    };
    const policy = find(objects, 'NetworkPolicy', 'shards-from-writers-and-readers') as unknown as {
      spec: { podSelector: unknown };
    };
    policy.spec.podSelector = { matchLabels: { 'app.kubernetes.io/name': 'shards' } };
    assert.match(
      policyErrors(objects, { externalSecrets: [] }).join('\n'),
      /Service\/consumer: selects no pods/,
    );
    assert.match(
      networkPolicyErrors(objects).join('\n'),
      /NetworkPolicy\/shards-from-writers-and-readers: podSelector matches no pod/,
    );
  });

  it('a NetworkPolicy that lets purchase reach the shards', () => {
    const objects = render('local');
    const policy = find(objects, 'NetworkPolicy', 'shards-from-writers-and-readers') as unknown as {
      spec: { ingress: { from: { podSelector: { matchExpressions: { values: string[] }[] } }[] }[] };
    };
    policy.spec.ingress[0]!.from[0]!.podSelector.matchExpressions[0]!.values.push('purchase');
    const shard = workloads(objects).find((w) => w.name === 'shard-0')!;
    assert.ok(allowedSources(objects, shard, 5432).has('purchase'));
  });

  it('a KEDA cap above the partition count, a shutdown that outlasts the grace period, and drifted settings', () => {
    const objects = render('ec2');
    (
      find(objects, 'ScaledObject', 'consumer') as unknown as { spec: { maxReplicaCount: number } }
    ).spec.maxReplicaCount = 24;
    const purchase = find(objects, 'Deployment', 'purchase') as unknown as {
      spec: { template: { spec: { terminationGracePeriodSeconds: number } } };
    };
    purchase.spec.template.spec.terminationGracePeriodSeconds = 20;
    const settings = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('tillstream-settings'),
    ) as unknown as { data: Record<string, string> };
    settings.data.KAFKA_PARTITIONS = '24';
    const text = serviceCheckErrors(objects, { ...serviceOptions, expectKeda: true }).join('\n');
    assert.match(text, /ScaledObject\/consumer: maxReplicaCount 24 exceeds 12 partitions/);
    assert.match(text, /Deployment\/purchase: preStop 5s \+ SHUTDOWN_TIMEOUT_MS 20000ms does not fit/);
    assert.match(text, /tillstream-settings: KAFKA_PARTITIONS=24, the native stack uses 12/);
  });

  it('a fixed replica count on a Deployment an autoscaler owns', () => {
    const objects = render('ec2');
    (find(objects, 'Deployment', 'consumer') as unknown as { spec: { replicas: number } }).spec.replicas = 3;
    (find(objects, 'Deployment', 'store') as unknown as { spec: { replicas: number } }).spec.replicas = 2;
    const text = serviceCheckErrors(objects, { ...serviceOptions, expectKeda: true }).join('\n');
    assert.match(text, /Deployment\/consumer: sets replicas although an autoscaler owns the count/);
    assert.match(text, /Deployment\/store: sets replicas although an autoscaler owns the count/);
  });

  it('an env var the service does not read', (t) => {
    if (!serviceOptions.configs.consumer) return t.skip('services/consumer/src/config.ts does not exist yet');
    const objects = render('local');
    const consumer = find(objects, 'Deployment', 'consumer') as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    consumer.spec.template.spec.containers[0]!.env.push({ name: 'KAFKA_GROUP', value: 'x' });
    assert.match(
      serviceCheckErrors(objects, { ...serviceOptions, expectKeda: false }).join('\n'),
      /Deployment\/consumer: sets KAFKA_GROUP, which/,
    );
  });
});
