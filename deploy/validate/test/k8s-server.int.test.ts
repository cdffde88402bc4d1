// Both overlays meet a real kube-apiserver (src/api-server.ts): `kubectl apply --server-side --dry-run=server
// -k` runs every object through the API server's own validation, server-side field validation (unknown
// fields are errors), the admission chain with Pod Security `restricted`, and KEDA's ScaledObject CRD.
// Warnings are errors too: Pod Security reports a pod template that the namespace's level would reject as a
// warning on the Deployment/StatefulSet/Job, and the pods it would create are then refused at run time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { startApiServer, type ApiServer } from '../src/api-server.js';
import { createSchemaValidator } from '../src/k8s-schema.js';
import { parseObjects, type K8sObject } from '../src/kustomize.js';
import { KEDA_CRD_FILE, REPO_ROOT } from '../src/paths.js';

const OVERLAYS = ['local', 'ec2'];
const overlayDir = (overlay: string) => path.join(REPO_ROOT, 'k8s', 'overlays', overlay);
const workDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-dry-run-'));

let server: ApiServer | undefined;
const renders = new Map<string, K8sObject[]>();

function ok(args: string[]): string {
  const result = server!.kubectl(args);
  assert.equal(result.status, 0, `kubectl ${args.join(' ')}\n${result.stderr}`);
  return result.stdout;
}

before(async () => {
  server = await startApiServer();
  ok(['apply', '--server-side', '-f', KEDA_CRD_FILE]);
  ok(['wait', '--for=condition=Established', '--timeout=60s', 'crd/scaledobjects.keda.sh']);
  for (const overlay of OVERLAYS) {
    // The embedded kustomize of the kubectl that applies, i.e. exactly what `-k` renders.
    const objects = parseObjects(ok(['kustomize', overlayDir(overlay)]));
    renders.set(overlay, objects);
    // A dry run creates nothing, so the namespaces (and their Pod Security labels) must exist for real.
    for (const namespace of objects.filter((o) => o.kind === 'Namespace')) {
      const file = path.join(workDir, `namespace-${overlay}.yaml`);
      writeFileSync(file, stringify(namespace));
      ok(['apply', '--server-side', '-f', file]);
    }
  }
});

after(async () => {
  await server?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** `kubectl apply --server-side --dry-run=server` of a file or a kustomization, warnings as errors. */
function dryRun(source: ['-k' | '-f', string]) {
  return server!.kubectl(['apply', '--server-side', '--dry-run=server', '--warnings-as-errors', ...source]);
}

for (const overlay of OVERLAYS) {
  describe(`k8s/overlays/${overlay} on kube-apiserver`, () => {
    it('is accepted by a server-side dry run of `kubectl apply -k`: every object, no warning', () => {
      const result = dryRun(['-k', overlayDir(overlay)]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
      const applied = result.stdout
        .split('\n')
        .filter((line) => line.endsWith('serverside-applied (server dry run)'));
      assert.equal(applied.length, renders.get(overlay)!.length, result.stdout);
    });
  });
}

describe('the server-side dry run catches what the offline checks cannot', () => {
  const mutated = (overlay: string, name: string, mutate: (objects: K8sObject[]) => void) => {
    const objects = structuredClone(renders.get(overlay)!);
    mutate(objects);
    const file = path.join(workDir, `${name}.yaml`);
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    return { objects, file };
  };
  type PodTemplate = {
    spec: {
      template: {
        spec: {
          containers: {
            securityContext: Record<string, unknown>;
            resources: Record<string, Record<string, string>>;
          }[];
        };
      };
    };
  };
  const container = (objects: K8sObject[], kind: string, name: string) =>
    (objects.find((o) => o.kind === kind && o.metadata.name === name) as unknown as PodTemplate).spec.template
      .spec.containers[0]!;

  it("a container running as root, which the namespace's restricted Pod Security level rejects", () => {
    const { file } = mutated('ec2', 'run-as-root', (objects) => {
      container(objects, 'Deployment', 'purchase').securityContext.runAsUser = 0;
    });
    const result = dryRun(['-f', file]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /would violate PodSecurity "restricted:v1\.34".*runAsUser=0/s);
  });

  it('a CPU request above its limit, which the JSON schema allows and the API server refuses', () => {
    const { objects, file } = mutated('local', 'request-above-limit', (objects) => {
      const resources = container(objects, 'StatefulSet', 'kafka').resources;
      resources.requests!.cpu = '64';
    });
    const validator = createSchemaValidator();
    assert.deepEqual(
      objects.flatMap((o) => validator.errors(o)),
      [],
      'the vendored schema already rejects it',
    );
    const result = dryRun(['-f', file]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /StatefulSet.*kafka.*must be less than or equal to cpu limit/s);
  });

  it('a label value with a space, which the JSON schema allows and the API server refuses', () => {
    const { objects, file } = mutated('ec2', 'invalid-label', (objects) => {
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'store')!;
      service.metadata.labels = { ...service.metadata.labels, 'app.kubernetes.io/part-of': 'till stream' };
    });
    const validator = createSchemaValidator();
    assert.deepEqual(
      objects.flatMap((o) => validator.errors(o)),
      [],
    );
    const result = dryRun(['-f', file]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Service.*store.*Invalid value: "till stream"/s);
  });
});

describe('re-applying the ec2 overlay to a cluster that already runs it', () => {
  const env = () => ({
    ...process.env,
    KUBECONFIG: server!.kubeconfig,
    KUBECTL: `${server!.binDir}/kubectl`,
  });
  /** The ec2 overlay with a new consumer image tag, as deploy/ec2/push-images.sh leaves it after a release. */
  const nextRelease = () => {
    const dir = path.join(workDir, 'next-release');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [path.relative(dir, overlayDir('ec2'))],
        images: [
          { name: '123456789012.dkr.ecr.us-east-1.amazonaws.com/tillstream/consumer', newTag: '0.1.1' },
        ],
      }),
    );
    return dir;
  };
  const applyScript = (overlay: string) =>
    spawnSync('bash', [path.join(REPO_ROOT, 'deploy', 'ec2', 'apply.sh'), overlay], {
      encoding: 'utf8',
      env: env(),
    });

  before(() => {
    const first = applyScript(overlayDir('ec2'));
    assert.equal(first.status, 0, first.stderr);
  });

  it('a k6 run created from the suspended CronJob does not conflict with the next apply', () => {
    ok(['-n', 'tillstream', 'create', 'job', 'k6-run-1', '--from=cronjob/k6']);
    const job = JSON.parse(ok(['-n', 'tillstream', 'get', 'job', 'k6-run-1', '-o', 'json'])) as {
      spec: { suspend?: boolean };
    };
    assert.notEqual(job.spec.suspend, true, 'the run starts at once');
    const again = server!.kubectl(['apply', '--server-side', '-k', overlayDir('ec2')]);
    assert.equal(again.status, 0, again.stderr);
    const cronJob = JSON.parse(ok(['-n', 'tillstream', 'get', 'cronjob', 'k6', '-o', 'json'])) as {
      spec: { suspend: boolean };
    };
    assert.equal(cronJob.spec.suspend, true);
  });

  it('a new image tag: a bare apply trips on the immutable Job templates, apply.sh re-runs them', () => {
    const dir = nextRelease();
    const bare = server!.kubectl(['apply', '--server-side', '-k', dir]);
    assert.notEqual(bare.status, 0);
    assert.match(bare.stderr, /Job.*migrate.*field is immutable/s);
    const viaScript = applyScript(dir);
    assert.equal(viaScript.status, 0, viaScript.stderr);
    const migrate = JSON.parse(ok(['-n', 'tillstream', 'get', 'job', 'migrate', '-o', 'json'])) as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    assert.match(migrate.spec.template.spec.containers[0]!.image, /consumer:0\.1\.1$/);
  });
});
