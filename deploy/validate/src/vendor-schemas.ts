// Regenerates the vendored schemas in deploy/validate/schemas/ from their published packages, so the
// offline validation never needs the network. Run by hand when a pinned version changes:
//   node --import tsx deploy/validate/src/vendor-schemas.ts <kubernetes_validate wheel dir> <compose-go dir> <keda dir>
// Sources (see schemas/SOURCES.md): the PyPI package kubernetes-validate (strict JSON schemas generated from
// the Kubernetes OpenAPI document), and the Go modules github.com/compose-spec/compose-go/v2 and
// github.com/kedacore/keda/v2 fetched with `go mod download`.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { K8S_SCHEMA_FILE, KEDA_CRD_FILE, COMPOSE_SCHEMA_FILE, KUBERNETES_VERSION } from './paths.js';

/** The API kinds the manifests may use; anything else is rejected until it is added here and re-vendored. */
export const VENDORED_KINDS = [
  'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.core.v1.ConfigMap',
  'io.k8s.api.core.v1.Secret',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.core.v1.PersistentVolumeClaim',
  'io.k8s.api.apps.v1.Deployment',
  'io.k8s.api.apps.v1.StatefulSet',
  'io.k8s.api.batch.v1.Job',
  'io.k8s.api.batch.v1.CronJob',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  'io.k8s.api.networking.v1.NetworkPolicy',
  'io.k8s.api.networking.v1.Ingress',
  'io.k8s.api.storage.v1.StorageClass',
  'io.k8s.api.rbac.v1.Role',
  'io.k8s.api.rbac.v1.RoleBinding',
  'io.k8s.api.rbac.v1.ClusterRole',
  'io.k8s.api.rbac.v1.ClusterRoleBinding',
] as const;

type Schema = Record<string, unknown>;

/** Every definition reachable from `roots` through `$ref`s (so the vendored file stays small). */
export function reachableDefinitions(defs: Record<string, Schema>, roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    const def = defs[name];
    if (!def) throw new Error(`definition ${name} not found`);
    seen.add(name);
    for (const match of JSON.stringify(def).matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)) stack.push(match[1]!);
  }
  return seen;
}

function main(): void {
  const [wheelDir, composeGoDir, kedaDir] = process.argv.slice(2);
  if (!wheelDir || !composeGoDir || !kedaDir) {
    console.error('usage: vendor-schemas.ts <kubernetes_validate dir> <compose-go dir> <keda dir>');
    process.exit(2);
  }
  const source = path.join(
    wheelDir,
    'kubernetes_validate',
    'kubernetes-json-schema',
    `v${KUBERNETES_VERSION}-local-strict`,
    '_definitions.json',
  );
  const all = JSON.parse(readFileSync(source, 'utf8')) as { $defs: Record<string, Schema> };
  const keep = reachableDefinitions(all.$defs, VENDORED_KINDS);
  const $defs: Record<string, Schema> = {};
  for (const name of [...keep].sort()) $defs[name] = all.$defs[name]!;
  writeFileSync(
    K8S_SCHEMA_FILE,
    `${JSON.stringify({ kubernetesVersion: KUBERNETES_VERSION, $defs }, null, 2)}\n`,
  );
  copyFileSync(path.join(composeGoDir, 'schema', 'compose-spec.json'), COMPOSE_SCHEMA_FILE);
  copyFileSync(path.join(kedaDir, 'config', 'crd', 'bases', 'keda.sh_scaledobjects.yaml'), KEDA_CRD_FILE);
  console.log(
    `vendored ${keep.size} Kubernetes definitions, the Compose schema and the KEDA ScaledObject CRD`,
  );
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) main();
