/**
 * The fault injectors. Each finds its victim in the private stack's state (or in /proc, or in Kafka's
 * metadata), injects the fault, waits out its hold, heals it, and returns what it did. Kills are
 * repaired by the stack's supervisor (and a purchase worker by the purchase primary); an outage is
 * held with the supervisor's hold file; a network cut is healed by bringing the link up again.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setNodeConnected } from '@tillstream/stack';
import type { ChaosStack } from './chaos-stack.js';
import { activeController, busiestLeader, partitionLeaders, readQuorumState } from './kafka-roles.js';
import { childPids, signal } from './processes.js';
import type { FaultKind, PlannedFault } from './schedule.js';

export interface FaultRecord {
  readonly kind: FaultKind;
  /** What was hit, e.g. "kafka-2 (active controller)". */
  readonly target: string;
  readonly pid: number | null;
  /** How: SIGKILL, link down (netns), SIGSTOP, … */
  readonly method: string;
  /** Epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly error?: string;
}

export interface FaultContext {
  readonly stack: ChaosStack;
  readonly topic: string;
  readonly log: (line: string) => void;
  /** The network-cut fault's mechanism: a real link cut, or SIGSTOP where namespaces are not available. */
  readonly cutMethod: 'netns' | 'sigstop';
  /** Share of each second the throttled consumer is stopped (0–1). */
  readonly throttleDuty: number;
  /** Ends holds early (the run is being aborted); the fault is still healed. */
  readonly signal?: AbortSignal;
}

interface Victim {
  readonly target: string;
  readonly pid: number | null;
  /** The supervisor's name of the process (kafka-2, shard-1, consumer). */
  readonly processName?: string;
  readonly nodeId?: number;
}

async function holdFor(seconds: number, abort?: AbortSignal): Promise<void> {
  if (seconds <= 0) return;
  await sleep(seconds * 1000, undefined, abort ? { signal: abort } : undefined).catch(() => undefined);
}

async function kafkaVictim(context: FaultContext, role: 'controller' | 'leader' | 'any'): Promise<Victim> {
  const state = await context.stack.state();
  const nodes = state.kafka.nodes;
  const controller = activeController(
    nodes.map((n) => readQuorumState(path.join(context.stack.dir, 'kafka', `node-${n.id}`, 'data'))),
  );
  let id: number | undefined;
  let why = '';
  if (role === 'controller' && controller !== undefined) {
    id = controller;
    why = 'active controller';
  } else {
    const leaders = await partitionLeaders(state.kafka.bootstrap.split(','), context.topic).catch(
      () => new Map<number, number>(),
    );
    // Prefer a leader that is not the controller, so the two kills of a rotation hit both roles.
    id = busiestLeader(leaders, role === 'leader' ? controller : undefined) ?? busiestLeader(leaders);
    why = id !== undefined ? `leader of ${leaders.get(id)} partitions` : '';
    if (id === controller && id !== undefined) why += ', active controller';
  }
  id ??= nodes[0]!.id;
  const node = nodes.find((n) => n.id === id) ?? nodes[0]!;
  return {
    target: `kafka-${node.id}${why ? ` (${why})` : ''}`,
    pid: node.pid,
    processName: `kafka-${node.id}`,
    nodeId: node.id,
  };
}

async function victimOf(kind: FaultKind, context: FaultContext, round: number): Promise<Victim> {
  const state = await context.stack.state();
  const servicePid = (name: string) => state.services[name]?.pids[0] ?? null;
  switch (kind) {
    case 'kill-purchase-worker': {
      const primary = servicePid('purchase');
      const workers = primary ? childPids(primary) : [];
      const pid = workers.length > 0 ? workers[round % workers.length]! : primary;
      return {
        target:
          workers.length > 0
            ? `purchase worker (of ${workers.length})`
            : 'purchase (no worker found: primary)',
        pid,
      };
    }
    case 'kill-consumer':
    case 'throttle-consumer':
      return { target: 'consumer', pid: servicePid('consumer'), processName: 'consumer' };
    case 'kill-store':
      return { target: 'store (primary and its workers)', pid: servicePid('store'), processName: 'store' };
    case 'kill-shard':
    case 'stop-shard': {
      const shard = state.shards[round % state.shards.length]!;
      return { target: `shard-${shard.index}`, pid: shard.pid, processName: `shard-${shard.index}` };
    }
    case 'kill-kafka-controller':
      return kafkaVictim(context, 'controller');
    case 'kill-kafka-leader':
    case 'cut-kafka-node':
      return kafkaVictim(context, 'leader');
    case 'kill-kafka-node':
      return kafkaVictim(context, 'any');
  }
}

/** Injects one planned fault (waiting out its hold) and heals it. Never throws: errors are recorded. */
export async function injectFault(
  fault: PlannedFault,
  context: FaultContext,
  round: number,
): Promise<FaultRecord> {
  const startMs = Date.now();
  let victim: Victim = { target: '?', pid: null };
  let method = 'SIGKILL';
  try {
    victim = await victimOf(fault.kind, context, round);
    if (!victim.pid) throw new Error(`${victim.target} is not running`);
    const pid = victim.pid;
    context.log(
      `fault: ${fault.kind} → ${victim.target} (pid ${pid})${fault.holdS > 0 ? ` for ${fault.holdS} s` : ''}`,
    );
    switch (fault.kind) {
      case 'cut-kafka-node':
        if (context.cutMethod === 'netns') {
          method = 'link down (network namespace)';
          setNodeConnected(victim.nodeId!, false);
          try {
            await holdFor(fault.holdS, context.signal);
          } finally {
            setNodeConnected(victim.nodeId!, true);
          }
        } else {
          method = 'SIGSTOP/SIGCONT (no network namespaces)';
          await stopFor(pid, fault.holdS, context.signal);
        }
        break;
      case 'stop-shard':
        // Held down with the supervisor's hold file, stopped like an operator would (fast shutdown),
        // restarted by the supervisor when the hold is released.
        method = 'SIGINT (fast shutdown), held down, restarted by the supervisor';
        context.stack.hold(victim.processName!);
        try {
          signal(pid, 'SIGINT');
          await holdFor(fault.holdS, context.signal);
        } finally {
          context.stack.release(victim.processName!);
        }
        break;
      case 'throttle-consumer':
        method = `SIGSTOP ${Math.round(context.throttleDuty * 100)} % of every second`;
        await throttle(pid, fault.holdS, context.throttleDuty, context.signal);
        break;
      default:
        if (!signal(pid, 'SIGKILL')) throw new Error(`pid ${pid} vanished before the kill`);
    }
    return { kind: fault.kind, target: victim.target, pid, method, startMs, endMs: Date.now() };
  } catch (error) {
    context.log(`fault ${fault.kind} failed: ${(error as Error).message}`);
    return {
      kind: fault.kind,
      target: victim.target,
      pid: victim.pid,
      method,
      startMs,
      endMs: Date.now(),
      error: (error as Error).message,
    };
  }
}

async function stopFor(pid: number, seconds: number, abort?: AbortSignal): Promise<void> {
  signal(pid, 'SIGSTOP');
  try {
    await holdFor(seconds, abort);
  } finally {
    signal(pid, 'SIGCONT');
  }
}

/** Stops the process for `duty` of every second, for `seconds`: it runs, slowly. */
async function throttle(pid: number, seconds: number, duty: number, abort?: AbortSignal): Promise<void> {
  const end = Date.now() + seconds * 1000;
  try {
    while (Date.now() < end && !abort?.aborted) {
      signal(pid, 'SIGSTOP');
      await holdFor(duty, abort);
      signal(pid, 'SIGCONT');
      await holdFor(1 - duty, abort);
    }
  } finally {
    signal(pid, 'SIGCONT');
  }
}
