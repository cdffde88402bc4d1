/**
 * Which Kafka node to hit: the active KRaft controller and the leaders of the topic's partitions.
 *
 * The controller is read from each node's `__cluster_metadata-0/quorum-state` (the Raft leader and
 * epoch the node last persisted; the highest epoch wins). kafkajs' describeCluster().controller is not
 * used: in KRaft mode brokers answer a random live broker there, since clients never talk to the
 * controller quorum directly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

export interface QuorumState {
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** The leader named by the highest epoch among the nodes' quorum-state files (pure). */
export function activeController(states: readonly (QuorumState | undefined)[]): number | undefined {
  let best: QuorumState | undefined;
  for (const s of states) {
    if (s && s.leaderId >= 0 && (!best || s.leaderEpoch > best.leaderEpoch)) best = s;
  }
  return best?.leaderId;
}

export function readQuorumState(nodeDataDir: string): QuorumState | undefined {
  try {
    const json = JSON.parse(
      readFileSync(path.join(nodeDataDir, '__cluster_metadata-0', 'quorum-state'), 'utf8'),
    ) as {
      leaderId?: number;
      leaderEpoch?: number;
    };
    return typeof json.leaderId === 'number' && typeof json.leaderEpoch === 'number'
      ? { leaderId: json.leaderId, leaderEpoch: json.leaderEpoch }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Node id → number of the topic's partitions it leads. */
export async function partitionLeaders(
  brokers: readonly string[],
  topic: string,
): Promise<Map<number, number>> {
  const admin = new Kafka({
    clientId: 'tillstream-chaos',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 3 },
  }).admin();
  await admin.connect();
  try {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const leaders = new Map<number, number>();
    for (const p of metadata?.partitions ?? []) leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
    return leaders;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The node leading the most partitions (ties: lowest id), excluding `except`. */
export function busiestLeader(leaders: ReadonlyMap<number, number>, except?: number): number | undefined {
  let best: [number, number] | undefined;
  for (const [id, count] of leaders) {
    if (id < 0 || id === except) continue;
    if (!best || count > best[1] || (count === best[1] && id < best[0])) best = [id, count];
  }
  return best?.[0];
}
