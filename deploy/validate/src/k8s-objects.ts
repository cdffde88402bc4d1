// Plain accessors over rendered Kubernetes objects: workloads and their pod templates, label selectors.
import type { K8sObject } from './kustomize.js';

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: unknown; httpGet?: unknown } };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    privileged?: boolean;
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: {
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string };
    projected?: { sources: { configMap?: { name: string }; secret?: { name: string } }[] };
  }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
}

export interface Workload {
  readonly object: K8sObject;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly podLabels: Record<string, string>;
  readonly pod: PodSpec;
  /** Names of volumeClaimTemplates (StatefulSets), mountable like volumes. */
  readonly claimTemplates: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet']);

type Template = {
  spec?: {
    template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string } }[];
    /** CronJobs: the Job each run is created from. */
    jobTemplate?: Template;
  };
};

/** Whether a workload's pods run to completion (Jobs and the Jobs of CronJobs) rather than serve. */
export const runsToCompletion = (kind: string) => kind === 'Job' || kind === 'CronJob';

export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.has(o.kind))
    .map((object) => {
      const outer = (object as Template).spec;
      const spec = object.kind === 'CronJob' ? outer?.jobTemplate?.spec : outer;
      return {
        object,
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        podLabels: spec?.template?.metadata?.labels ?? {},
        pod: spec?.template?.spec ?? { containers: [] },
        claimTemplates: (outer?.volumeClaimTemplates ?? []).map((c) => c.metadata.name),
      };
    });
}

export function allContainers(pod: PodSpec): Container[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** Whether `labels` satisfy a Kubernetes label selector (an empty selector matches everything). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const expr of selector.matchExpressions ?? []) {
    const has = key(labels, expr.key);
    const value = labels[expr.key];
    if (expr.operator === 'In' && !(has && expr.values?.includes(value!))) return false;
    if (expr.operator === 'NotIn' && has && expr.values?.includes(value!)) return false;
    if (expr.operator === 'Exists' && !has) return false;
    if (expr.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const key = (labels: Record<string, string>, name: string) =>
  Object.prototype.hasOwnProperty.call(labels, name);

/** A Service's plain map selector, as a label selector. */
export const mapSelector = (map: Record<string, string> | undefined): LabelSelector | undefined =>
  map ? { matchLabels: map } : undefined;

export const byKind = (objects: readonly K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

/** `app.kubernetes.io/name` of a workload's pods (how policies and Services refer to them). */
export const appName = (w: Workload) => w.podLabels['app.kubernetes.io/name'] ?? w.name;
