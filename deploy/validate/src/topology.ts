// What the native stack runs (stack/src/settings.ts, stack/src/supervisor.ts): the reference that compose
// and Kubernetes must agree with. A 3-node native cluster gives the replicated settings they use.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadStackSettings, servicePlans } from '@tillstream/stack';
import type { Topology } from './compose-checks.js';
import { REPO_ROOT } from './paths.js';

export function nativeTopology(): Topology {
  const settings = loadStackSettings({ KAFKA_NODES: '3' });
  // The supervisor creates the dead-letter topic with a literal partition count; read it from there.
  const supervisor = readFileSync(path.join(REPO_ROOT, 'stack', 'src', 'supervisor.ts'), 'utf8');
  const dlq = /name: settings\.kafka\.dlqTopic, partitions: (\d+)/.exec(supervisor);
  if (!dlq) throw new Error('cannot find the dead-letter partition count in stack/src/supervisor.ts');
  const rf = settings.kafka.replicationFactor;
  return {
    topic: settings.kafka.topic,
    dlqTopic: settings.kafka.dlqTopic,
    partitions: settings.kafka.partitions,
    dlqPartitions: Number(dlq[1]),
    replicationFactor: rf,
    minInsyncReplicas: rf >= 3 ? 2 : 1,
    shardCount: settings.shards.count,
    groupId: 'purchase-writers',
  };
}

/** The variables the native stack sets for each service (its default mode), by service name. */
export function nativeServiceVariables(): Record<string, string[]> {
  const settings = loadStackSettings({});
  const variables: Record<string, string[]> = {};
  // HOST binds the native processes to loopback; containers listen on every interface (the default).
  for (const plan of servicePlans(settings, 'the stack generates it'))
    variables[plan.name] = Object.keys(plan.spec.env ?? {}).filter((key) => key !== 'HOST');
  return variables;
}
