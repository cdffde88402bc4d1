/**
 * CPU seconds of a process tree from Linux /proc, for "CPU per purchase" in `make compare`: the sum,
 * over the root and every live descendant, of utime + stime (the process's own CPU) + cutime + cstime
 * (its children that already exited and were waited for, e.g. Postgres backends of closed
 * connections). The difference of two readings is the CPU the tree used in between.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly ticks: number;
}

/** Parses /proc/<pid>/stat; the command name (field 2) may contain spaces and parentheses. */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // Fields after the name, from field 3 (state): index 0 = state, 1 = ppid, 11..14 = utime..cstime.
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (i: number) => Number(rest[i] ?? 0);
  return { pid, ppid: field(1), ticks: field(11) + field(12) + field(13) + field(14) };
}

/** `root` and the pids of all its descendants in `stats` (root first). */
export function treePids(stats: readonly ProcStat[], root: number): number[] {
  const children = new Map<number, number[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
  const pids: number[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    pids.push(pid);
    for (const child of children.get(pid) ?? []) stack.push(child);
  }
  return pids;
}

/** The sum of `ticks` over `root` and all its descendants in `stats`. */
export function treeTicks(stats: readonly ProcStat[], root: number): number {
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  return treePids(stats, root).reduce((sum, pid) => sum + (byPid.get(pid)?.ticks ?? 0), 0);
}

/** Every readable /proc/<pid>/stat (processes that exit while reading are skipped). */
export function readAllProcStats(procDir = '/proc'): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      stats.push(parseProcStat(readFileSync(`${procDir}/${name}/stat`, 'utf8')));
    } catch {
      // gone
    }
  }
  return stats;
}

/** Clock ticks per second (USER_HZ): 100 on every Linux architecture Node supports. */
export const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds used so far by the process trees of `roots` (e.g. the stack's supervisor). */
export function cpuSecondsOfTrees(roots: readonly number[], procDir = '/proc'): number {
  const stats = readAllProcStats(procDir);
  return roots.reduce((sum, root) => sum + treeTicks(stats, root), 0) / CLOCK_TICKS_PER_SECOND;
}
