/**
 * CPU weights for groups of processes, as a CPU request gives a container on Kubernetes: a cgroup
 * v1 `cpu` group whose `cpu.shares` weighs it against its siblings (outside any group, the processes
 * of one session share an autogroup that weighs 1024). When the two cores are contended, a group gets CPU in proportion to its
 * weight, and its processes also leave the kernel's session autogroups, within which alone a nice
 * value ranks threads. Needs root and the v1 cpu controller at /sys/fs/cgroup/cpu.
 *
 * STACK_CPU_SHARES (src/settings.ts) gives the stack's processes such weights; the store bench gives
 * its read path one (loadtest/src/bench/store-latency.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';

/** The range the kernel accepts for cpu.shares. */
export const MIN_CPU_SHARES = 2;
export const MAX_CPU_SHARES = 262_144;

/**
 * The weight of a parent group that holds groups of these weights: their sum (within what the kernel
 * accepts). A group's weight counts only against its siblings, so under a parent of the default 1024
 * all of them together would weigh as much as one process outside any group; under their sum, each
 * weighs against such a process what it names.
 */
export function parentShares(children: Readonly<Record<string, number>>): number {
  const sum = Object.values(children).reduce((a, b) => a + b, 0);
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, sum));
}

export class CpuGroup {
  private constructor(
    readonly dir: string,
    private readonly root: string,
  ) {}

  /** Whether cgroup v1 cpu groups can be made under `root`. */
  static available(root = CPU_CGROUP_ROOT): boolean {
    return existsSync(path.join(root, 'tasks'));
  }

  /** Creates (or reuses) group `name` (a relative path) under `root` with `shares`. */
  static create(name: string, shares: number, root = CPU_CGROUP_ROOT): CpuGroup {
    if (!Number.isInteger(shares) || shares < MIN_CPU_SHARES || shares > MAX_CPU_SHARES)
      throw new RangeError(
        `cpu.shares must be an integer in ${MIN_CPU_SHARES}…${MAX_CPU_SHARES}, got ${shares}`,
      );
    if (!CpuGroup.available(root))
      throw new Error(`no cgroup v1 cpu controller at ${root}: CPU weights need it (and root)`);
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cpu.shares'), String(shares));
    return new CpuGroup(dir, root);
  }

  get shares(): number {
    return Number(readFileSync(path.join(this.dir, 'cpu.shares'), 'utf8'));
  }

  /** Moves a whole process (every thread) into the group; the processes it starts later are born in it. */
  addProcess(pid: number): void {
    writeFileSync(path.join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** Moves every thread of each process into the group (a process that exited meanwhile is skipped). */
  addProcessTrees(pids: readonly number[], procDir = '/proc'): void {
    for (const pid of pids) {
      let tids: string[];
      try {
        tids = readdirSync(path.join(procDir, String(pid), 'task'));
      } catch {
        continue;
      }
      this.addThreads(tids.map(Number));
    }
  }

  /** Moves single threads (by tid) into the group; the others of their process stay where they are. */
  addThreads(tids: readonly number[]): void {
    for (const tid of tids) {
      try {
        writeFileSync(path.join(this.dir, 'tasks'), String(tid));
      } catch {
        // exited meanwhile
      }
    }
  }

  /** The threads in the group now. */
  threads(): number[] {
    return readFileSync(path.join(this.dir, 'tasks'), 'utf8').split('\n').filter(Boolean).map(Number);
  }

  /** Moves what is left back to the root group and removes the group. */
  close(): void {
    for (const tid of this.threads()) {
      try {
        writeFileSync(path.join(this.root, 'tasks'), String(tid));
      } catch {
        // exited meanwhile
      }
    }
    rmdirSync(this.dir);
  }
}
