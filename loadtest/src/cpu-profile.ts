/**
 * Reads V8 CPU profiles (`node --cpu-prof`, the `.cpuprofile` format Chrome DevTools and speedscope
 * open) and says where a process's CPU went: self time per function and per package (kafkajs, express,
 * pg, Node's own core, the project's packages, the garbage collector), as shares of the time the
 * process was not idle.
 */

/** The parts of the `.cpuprofile` format this reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface CostShare {
  readonly name: string;
  /** Self time, ms. */
  readonly ms: number;
  /** Of the profile's busy (non-idle) time. */
  readonly share: number;
}

export interface ProfileSummary {
  /** Time sampled, ms (idle included). */
  readonly sampledMs: number;
  /** Time not idle, ms. */
  readonly busyMs: number;
  readonly packages: readonly CostShare[];
  readonly functions: readonly CostShare[];
}

const IDLE = '(idle)';

/** Where a frame's code lives: a package, Node's core, the project's packages, or V8 itself. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === IDLE) return 'idle';
    return 'V8 and native code';
  }
  if (url.startsWith('node:')) return 'node core';
  // The innermost node_modules: a package's own dependency counts as itself.
  const modules = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1]!;
  const own = /\/(packages|services)\/([^/]+)\/dist\//.exec(url);
  if (own) return own[1] === 'packages' ? `@tillstream/${own[2]}` : `${own[2]} service`;
  if (/\/(loadtest|stack|chaos)\/dist\//.test(url)) return 'tillstream tools';
  return 'other';
}

/** `name file:line` of a frame, its path shortened to what follows node_modules/ or the repository. */
export function frameLabel(url: string, functionName: string, lineNumber: number): string {
  const name = functionName || '(anonymous)';
  if (url === '') return name;
  const short = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/((?:packages|services|loadtest|stack|chaos)\/)/, '$1');
  return `${name} ${short}:${lineNumber + 1}`;
}

function ranked(totals: Map<string, number>, busyMs: number, most: number): CostShare[] {
  return [...totals]
    .map(([name, ms]) => ({ name, ms, share: busyMs > 0 ? ms / busyMs : 0 }))
    .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name))
    .slice(0, most);
}

/**
 * Self time per function and per package over one or more profiles (e.g. every worker of a service).
 * A sample's time is the delta recorded with it; idle time is left out of the shares.
 */
export function summarizeProfiles(profiles: readonly CpuProfile[], most = 15): ProfileSummary {
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let sampledMs = 0;
  let idleMs = 0;
  for (const profile of profiles) {
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const ms = Math.max(0, deltas[i] ?? 0) / 1000;
      const frame = frames.get(samples[i]!);
      if (!frame) continue;
      sampledMs += ms;
      if (frame.functionName === IDLE && frame.url === '') {
        idleMs += ms;
        continue;
      }
      const pkg = packageOf(frame.url, frame.functionName);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
      const label = frameLabel(frame.url, frame.functionName, frame.lineNumber);
      byFunction.set(label, (byFunction.get(label) ?? 0) + ms);
    }
  }
  const busyMs = sampledMs - idleMs;
  return {
    sampledMs,
    busyMs,
    packages: ranked(byPackage, busyMs, Number.MAX_SAFE_INTEGER),
    functions: ranked(byFunction, busyMs, most),
  };
}

/** The pid in a `--cpu-prof` file name: `CPU.<yyyymmdd>.<hhmmss>.<pid>.<tid>.<seq>.cpuprofile`. */
export function pidOfProfileFile(name: string): number | undefined {
  const match = /^CPU\.\d+\.\d+\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(name);
  return match ? Number(match[1]) : undefined;
}
