// Evaluates the NetworkPolicies of a render the way a CNI enforces ingress rules, to answer "who can
// reach these pods on this port" — so a test can assert that only the consumer and store reach the shards.
import type { K8sObject } from './kustomize.js';
import { appName, byKind, selects, workloads, type LabelSelector, type Workload } from './k8s-objects.js';

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}

interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: { from?: Peer[]; ports?: { port?: number | string; protocol?: string }[] }[];
  };
}

const ANYWHERE = 'anywhere';

function portMatches(target: Workload, wanted: number, port: number | string | undefined): boolean {
  if (port === undefined) return true;
  if (typeof port === 'number') return port === wanted;
  return target.pod.containers.some((c) =>
    c.ports?.some((p) => p.name === port && p.containerPort === wanted),
  );
}

const policiesOf = (objects: readonly K8sObject[]) => byKind(objects, 'NetworkPolicy') as NetworkPolicy[];

const isIngress = (p: NetworkPolicy) => (p.spec.policyTypes ?? ['Ingress']).includes('Ingress');

/**
 * Who may open connections to `target`'s pods on `port`: app names of pods in the namespace, `namespace:<labels>`
 * for peers in other namespaces, `anywhere` when unrestricted.
 */
export function allowedSources(objects: readonly K8sObject[], target: Workload, port: number): Set<string> {
  const all = workloads(objects);
  const applying = policiesOf(objects).filter(
    (p) => isIngress(p) && selects(p.spec.podSelector, target.podLabels),
  );
  if (applying.length === 0) return new Set([ANYWHERE]);
  const sources = new Set<string>();
  for (const policy of applying) {
    for (const rule of policy.spec.ingress ?? []) {
      if (!(rule.ports ?? [{}]).some((p) => portMatches(target, port, p.port))) continue;
      if (!rule.from || rule.from.length === 0) sources.add(ANYWHERE);
      for (const peer of rule.from ?? []) {
        if (peer.ipBlock) sources.add(`ipBlock:${peer.ipBlock.cidr}`);
        else if (peer.namespaceSelector)
          sources.add(
            `namespace:${JSON.stringify(peer.namespaceSelector.matchLabels ?? peer.namespaceSelector)}`,
          );
        else for (const w of all) if (selects(peer.podSelector, w.podLabels)) sources.add(appName(w));
      }
    }
  }
  return sources;
}

/** Selectors and named ports of every NetworkPolicy refer to pods that exist. */
export function networkPolicyErrors(objects: readonly K8sObject[]): string[] {
  const errors: string[] = [];
  const all = workloads(objects);
  for (const policy of policiesOf(objects)) {
    const label = `NetworkPolicy/${policy.metadata.name}`;
    const selectsAll = Object.keys(policy.spec.podSelector).length === 0;
    const targets = all.filter((w) => selects(policy.spec.podSelector, w.podLabels));
    if (!selectsAll && targets.length === 0) errors.push(`${label}: podSelector matches no pod`);
    for (const rule of policy.spec.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        if (
          peer.podSelector &&
          !peer.namespaceSelector &&
          !all.some((w) => selects(peer.podSelector, w.podLabels))
        )
          errors.push(`${label}: from.podSelector ${JSON.stringify(peer.podSelector)} matches no pod`);
      }
      for (const port of rule.ports ?? []) {
        if (typeof port.port !== 'string') continue;
        for (const target of targets)
          if (!target.pod.containers.some((c) => c.ports?.some((p) => p.name === port.port)))
            errors.push(`${label}: ${target.kind}/${target.name} has no port named ${port.port}`);
      }
    }
  }
  return errors;
}
