/**
 * CPU by component of a native stack, from Linux /proc: each Kafka node, each PostgreSQL shard server
 * (its postmaster and every backend), RabbitMQ, each service (its primary and workers), Prometheus,
 * and the supervisor's own share (everything else in its process tree). Two samples, one before the
 * load and one after the checks, give each component's CPU seconds for the run; divided by the
 * acknowledged purchases they give its CPU per purchase, the cost model of docs/report.md.
 *
 * A component whose processes were replaced between the samples (a restart, a chaos kill) is marked
 * `replaced`: its figure then misses the CPU of the processes that are gone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLOCK_TICKS_PER_SECOND, readAllProcStats, treePids, type ProcStat } from './process-cpu.js';

/** The fields of a native stack's state.json the breakdown reads (stack/src/state.ts). */
export interface ComponentState {
  readonly supervisor: { readonly pid: number };
  readonly kafka?: { readonly nodes?: readonly { readonly id: number; readonly pid: number | null }[] };
  readonly shards?: readonly { readonly index: number; readonly pid: number | null }[];
  readonly services?: Readonly<Record<string, { readonly pids?: readonly number[] }>>;
  readonly rabbitmq?: { readonly pid: number | null };
  readonly prometheus?: { readonly pid: number | null };
}

export interface Component {
  readonly name: string;
  /** The roots of its process trees. */
  readonly roots: readonly number[];
}

/** The supervisor's own share: its tree minus every component's. */
export const SUPERVISOR = 'supervisor';

export function stackComponents(state: ComponentState): Component[] {
  const present = (pid: number | null | undefined): pid is number => typeof pid === 'number' && pid > 0;
  const components: Component[] = [];
  for (const node of state.kafka?.nodes ?? []) {
    if (present(node.pid)) components.push({ name: `kafka-${node.id}`, roots: [node.pid] });
  }
  for (const shard of state.shards ?? []) {
    if (present(shard.pid)) components.push({ name: `shard-${shard.index}`, roots: [shard.pid] });
  }
  if (present(state.rabbitmq?.pid)) components.push({ name: 'rabbitmq', roots: [state.rabbitmq.pid] });
  for (const [name, service] of Object.entries(state.services ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const roots = (service.pids ?? []).filter(present);
    if (roots.length > 0) components.push({ name, roots });
  }
  if (present(state.prometheus?.pid)) components.push({ name: 'prometheus', roots: [state.prometheus.pid] });
  return components;
}

export interface ComponentSample {
  /** Clock ticks used so far, by component name (SUPERVISOR included). */
  readonly ticks: Readonly<Record<string, number>>;
  /** The pids of each component's trees, to tell a replaced component. */
  readonly pids: Readonly<Record<string, readonly number[]>>;
}

/** One reading: each pid counts once, for the first component whose tree holds it. */
export function sampleComponents(
  stats: readonly ProcStat[],
  supervisorPid: number,
  components: readonly Component[],
): ComponentSample {
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const claimed = new Set<number>();
  const ticks: Record<string, number> = {};
  const pids: Record<string, number[]> = {};
  for (const component of components) {
    const own = component.roots.flatMap((root) => treePids(stats, root)).filter((pid) => byPid.has(pid));
    const fresh = own.filter((pid) => !claimed.has(pid));
    for (const pid of fresh) claimed.add(pid);
    ticks[component.name] = fresh.reduce((sum, pid) => sum + byPid.get(pid)!.ticks, 0);
    pids[component.name] = component.roots.filter((pid) => byPid.has(pid));
  }
  const rest = treePids(stats, supervisorPid).filter((pid) => byPid.has(pid) && !claimed.has(pid));
  ticks[SUPERVISOR] = rest.reduce((sum, pid) => sum + byPid.get(pid)!.ticks, 0);
  pids[SUPERVISOR] = [supervisorPid];
  return { ticks, pids };
}

export interface ComponentCpu {
  readonly cpuSeconds: number;
  readonly msPerPurchase: number;
  /** Its processes changed between the samples: the figure misses the CPU of those that are gone. */
  readonly replaced?: true;
}

export interface CpuBreakdown {
  /** The sum over the stack's components (the load client not included). */
  readonly stack: ComponentCpu;
  readonly components: Readonly<Record<string, ComponentCpu>>;
}

/** The CPU of each component between two samples, per acknowledged purchase too. */
export function cpuBreakdown(
  before: ComponentSample,
  after: ComponentSample,
  purchases: number,
): CpuBreakdown {
  const per = (ticks: number): ComponentCpu => {
    const cpuSeconds = Math.max(0, ticks) / CLOCK_TICKS_PER_SECOND;
    return { cpuSeconds, msPerPurchase: (cpuSeconds * 1000) / Math.max(1, purchases) };
  };
  const components: Record<string, ComponentCpu> = {};
  let total = 0;
  for (const name of Object.keys(after.ticks)) {
    const used = Math.max(0, (after.ticks[name] ?? 0) - (before.ticks[name] ?? 0));
    total += used;
    const same =
      JSON.stringify([...(before.pids[name] ?? [])].sort()) ===
      JSON.stringify([...(after.pids[name] ?? [])].sort());
    components[name] = { ...per(used), ...(same ? {} : { replaced: true as const }) };
  }
  return { stack: per(total), components };
}

/** Samples the native stack whose state.json is in `stackDir`, or undefined when there is none. */
export function sampleStack(stackDir: string, procDir = '/proc'): ComponentSample | undefined {
  let state: ComponentState;
  try {
    state = JSON.parse(readFileSync(path.join(stackDir, 'state.json'), 'utf8')) as ComponentState;
  } catch {
    return undefined;
  }
  return sampleComponents(readAllProcStats(procDir), state.supervisor.pid, stackComponents(state));
}
