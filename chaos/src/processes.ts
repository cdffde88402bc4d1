/** Linux process helpers: children of a process, signals that tolerate a vanished pid (liveness: @tillstream/stack's isAlive). */
import { readdirSync, readFileSync } from 'node:fs';

/** Direct children of `pid` (from /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // the process is gone
  }
  return children.filter((p) => Number.isInteger(p) && p > 0);
}

/** Sends a signal; false when the process no longer exists. */
export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
