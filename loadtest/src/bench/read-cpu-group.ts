/**
 * A CPU weight for the read path, as a container's CPU request gives it: a cgroup v1 `cpu` group
 * with `cpu.shares` (the root group has 1024), into which the bench moves the read path's threads.
 * Grouped, those threads are also out of the kernel's session autogroups, where a nice value only
 * ranks threads within one session (the stack's services run in the stack supervisor's session).
 * Needs root and the v1 cpu controller (/sys/fs/cgroup/cpu).
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';

export class ReadCpuGroup {
  readonly #dir: string;
  readonly #root: string;

  private constructor(root: string, dir: string) {
    this.#root = root;
    this.#dir = dir;
  }

  /** A new group under `root` with `shares` (2 … 262144). */
  static create(shares: number, name: string, root = CPU_CGROUP_ROOT): ReadCpuGroup {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'cpu.shares'), String(shares));
    return new ReadCpuGroup(root, dir);
  }

  get shares(): number {
    return Number(readFileSync(path.join(this.#dir, 'cpu.shares'), 'utf8'));
  }

  /** Moves every thread of each process into the group (a process that exited meanwhile is skipped). */
  addProcesses(pids: readonly number[], procDir = '/proc'): void {
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

  /** Moves single threads (by tid) into the group. */
  addThreads(tids: readonly number[]): void {
    for (const tid of tids) {
      try {
        writeFileSync(path.join(this.#dir, 'tasks'), String(tid));
      } catch {
        // exited meanwhile
      }
    }
  }

  /** The threads in the group now. */
  threads(): number[] {
    return readFileSync(path.join(this.#dir, 'tasks'), 'utf8').split('\n').filter(Boolean).map(Number);
  }

  /** Moves what is left back to the root group and removes the group. */
  close(): void {
    for (const tid of this.threads()) {
      try {
        writeFileSync(path.join(this.#root, 'tasks'), String(tid));
      } catch {
        // exited meanwhile
      }
    }
    rmdirSync(this.#dir);
  }
}
