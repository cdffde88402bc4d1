// Policy checks on a rendered overlay that the API schema cannot express: hardened pods, probes, resources,
// pinned images, references that resolve, Services/PDBs/HPAs that select something.
import type { K8sObject } from './kustomize.js';
import {
  allContainers,
  byKind,
  mapSelector,
  runsToCompletion,
  selects,
  workloads,
  type Workload,
} from './k8s-objects.js';

export interface PolicyOptions {
  /** Secrets the overlay expects to exist in the cluster already (created outside kustomize). */
  readonly externalSecrets: readonly string[];
}

/** Tag with a version (a digit, not `latest`) or a digest. */
export const pinnedImage = (image: string) =>
  /@sha256:[0-9a-f]{64}$/.test(image) ||
  (/:[\w][\w.-]*$/.test(image) && !/:latest$/.test(image) && /\d/.test(image.slice(image.lastIndexOf(':'))));

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function containerErrors(w: Workload): string[] {
  const errors: string[] = [];
  const podSecurity = w.pod.securityContext ?? {};
  const label = `${w.kind}/${w.name}`;
  if (podSecurity.seccompProfile?.type !== 'RuntimeDefault')
    errors.push(`${label}: pod seccompProfile is not RuntimeDefault`);
  for (const c of allContainers(w.pod)) {
    const at = `${label} container ${c.name}`;
    const sc = c.securityContext ?? {};
    if (!(sc.runAsNonRoot ?? podSecurity.runAsNonRoot)) errors.push(`${at}: runAsNonRoot is not set`);
    if ((sc.runAsUser ?? podSecurity.runAsUser) === 0) errors.push(`${at}: runs as uid 0`);
    if (sc.allowPrivilegeEscalation !== false) errors.push(`${at}: allowPrivilegeEscalation is not false`);
    if (sc.readOnlyRootFilesystem !== true) errors.push(`${at}: readOnlyRootFilesystem is not true`);
    if (!sc.capabilities?.drop?.includes('ALL')) errors.push(`${at}: capabilities do not drop ALL`);
    if ((sc.capabilities?.add ?? []).length > 0) errors.push(`${at}: adds capabilities`);
    if (sc.privileged) errors.push(`${at}: privileged`);
    if (!c.image || !pinnedImage(c.image))
      errors.push(`${at}: image ${c.image} is not pinned to a version tag or digest`);
    for (const kind of ['requests', 'limits'] as const)
      for (const resource of ['cpu', 'memory'])
        if (c.resources?.[kind]?.[resource] === undefined)
          errors.push(`${at}: no ${resource} ${kind.slice(0, -1)}`);
    if (LONG_RUNNING.has(w.kind) && !(w.pod.initContainers ?? []).includes(c)) {
      if (!c.readinessProbe) errors.push(`${at}: no readinessProbe`);
      if (!c.livenessProbe) errors.push(`${at}: no livenessProbe`);
    }
    const volumes = new Set([...(w.pod.volumes ?? []).map((v) => v.name), ...w.claimTemplates]);
    for (const mount of c.volumeMounts ?? [])
      if (!volumes.has(mount.name)) errors.push(`${at}: mounts undeclared volume ${mount.name}`);
  }
  return errors;
}

function referenceErrors(objects: readonly K8sObject[], w: Workload, options: PolicyOptions): string[] {
  const errors: string[] = [];
  const label = `${w.kind}/${w.name}`;
  const configMaps = new Map(
    byKind(objects, 'ConfigMap').map((o) => [
      o.metadata.name,
      (o as { data?: Record<string, string> }).data ?? {},
    ]),
  );
  const secrets = new Map(
    byKind(objects, 'Secret').map((o) => {
      const s = o as { data?: Record<string, string>; stringData?: Record<string, string> };
      return [o.metadata.name, { ...s.data, ...s.stringData }];
    }),
  );
  const secretExists = (name: string) => secrets.has(name) || options.externalSecrets.includes(name);
  for (const c of allContainers(w.pod)) {
    for (const env of c.env ?? []) {
      const cm = env.valueFrom?.configMapKeyRef;
      if (cm && !cm.optional) {
        if (!configMaps.has(cm.name))
          errors.push(`${label}: env ${env.name} refers to missing ConfigMap ${cm.name}`);
        else if (!(cm.key in configMaps.get(cm.name)!))
          errors.push(`${label}: env ${env.name}: ConfigMap ${cm.name} has no key ${cm.key}`);
      }
      const secret = env.valueFrom?.secretKeyRef;
      if (secret && !secret.optional) {
        if (!secretExists(secret.name))
          errors.push(`${label}: env ${env.name} refers to missing Secret ${secret.name}`);
        else if (secrets.has(secret.name) && !(secret.key in secrets.get(secret.name)!))
          errors.push(`${label}: env ${env.name}: Secret ${secret.name} has no key ${secret.key}`);
      }
    }
  }
  for (const volume of w.pod.volumes ?? []) {
    const maps = [volume.configMap?.name, ...(volume.projected?.sources ?? []).map((s) => s.configMap?.name)];
    for (const name of maps)
      if (name && !configMaps.has(name))
        errors.push(`${label}: volume ${volume.name} refers to missing ConfigMap ${name}`);
    const secretNames = [
      volume.secret?.secretName,
      ...(volume.projected?.sources ?? []).map((s) => s.secret?.name),
    ];
    for (const name of secretNames)
      if (name && !secretExists(name))
        errors.push(`${label}: volume ${volume.name} refers to missing Secret ${name}`);
  }
  const sa = w.pod.serviceAccountName;
  if (sa && sa !== 'default' && !objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa))
    errors.push(`${label}: serviceAccountName ${sa} does not exist`);
  return errors;
}

interface ServiceObject extends K8sObject {
  spec: {
    selector?: Record<string, string>;
    ports: { name?: string; port: number; targetPort?: number | string }[];
  };
}

function serviceErrors(objects: readonly K8sObject[]): string[] {
  const errors: string[] = [];
  const all = workloads(objects).filter((w) => !runsToCompletion(w.kind));
  for (const service of byKind(objects, 'Service') as ServiceObject[]) {
    const label = `Service/${service.metadata.name}`;
    const selected = all.filter((w) => selects(mapSelector(service.spec.selector), w.podLabels));
    if (selected.length === 0) {
      errors.push(`${label}: selects no pods`);
      continue;
    }
    for (const port of service.spec.ports) {
      const target = port.targetPort ?? port.port;
      const found = selected.every((w) =>
        w.pod.containers.some((c) =>
          c.ports?.some((p) => (typeof target === 'string' ? p.name === target : p.containerPort === target)),
        ),
      );
      if (!found) errors.push(`${label}: targetPort ${target} is not a port of every selected pod`);
    }
  }
  return errors;
}

function disruptionAndScalingErrors(objects: readonly K8sObject[]): string[] {
  const errors: string[] = [];
  const all = workloads(objects);
  for (const pdb of byKind(objects, 'PodDisruptionBudget')) {
    const selector = (pdb as unknown as { spec: { selector?: Parameters<typeof selects>[0] } }).spec.selector;
    if (!all.some((w) => selects(selector, w.podLabels)))
      errors.push(`PodDisruptionBudget/${pdb.metadata.name}: selects no pods`);
  }
  for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
    const ref = (hpa as unknown as { spec: { scaleTargetRef: { kind: string; name: string } } }).spec
      .scaleTargetRef;
    if (!all.some((w) => w.kind === ref.kind && w.name === ref.name))
      errors.push(
        `HorizontalPodAutoscaler/${hpa.metadata.name}: target ${ref.kind}/${ref.name} does not exist`,
      );
  }
  for (const w of all.filter(
    (w) =>
      LONG_RUNNING.has(w.kind) &&
      Number((w.object as unknown as { spec: { replicas?: number } }).spec.replicas ?? 1) > 1,
  )) {
    if (
      !byKind(objects, 'PodDisruptionBudget').some((p) =>
        selects(
          (p as unknown as { spec: { selector?: Parameters<typeof selects>[0] } }).spec.selector,
          w.podLabels,
        ),
      )
    )
      errors.push(`${w.kind}/${w.name}: runs several replicas without a PodDisruptionBudget`);
  }
  // kubectl's client-side apply stores the whole object in an annotation limited to 256 KiB.
  for (const cm of byKind(objects, 'ConfigMap')) {
    const size = Buffer.byteLength(JSON.stringify(cm));
    if (size > 256 * 1024)
      errors.push(
        `ConfigMap/${cm.metadata.name}: ${size} bytes, over the 256 KiB kubectl apply can annotate`,
      );
  }
  return errors;
}

/** Every policy problem in a render (empty when it passes). */
export function policyErrors(objects: readonly K8sObject[], options: PolicyOptions): string[] {
  const errors: string[] = [];
  for (const w of workloads(objects))
    errors.push(...containerErrors(w), ...referenceErrors(objects, w, options));
  errors.push(...serviceErrors(objects), ...disruptionAndScalingErrors(objects));
  const namespaced = objects.filter(
    (o) => !['Namespace', 'StorageClass', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind),
  );
  for (const o of namespaced)
    if (o.metadata.namespace !== 'tillstream')
      errors.push(`${o.kind}/${o.metadata.name}: not in the tillstream namespace`);
  return errors;
}
