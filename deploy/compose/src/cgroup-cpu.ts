/**
 * CPU time of containers, read from their cgroups: cgroup v1 `cpuacct.usage` (nanoseconds) or cgroup v2
 * `cpu.stat` usage_usec, under Docker's cgroupfs layout (`docker/<id>`) or the systemd one
 * (`system.slice/docker-<id>.scope`). The difference of two readings is the CPU a container used in
 * between, every process in it included. A container that restarts gets a fresh cgroup, so readings
 * across a restart are not comparable; the run that measures CPU per purchase kills nothing.
 * Where the cgroups are not visible (the tests run in a container of their own, talking to the host's
 * engine through its socket), the engine's stats API gives the same counter.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** usage_usec of a cgroup v2 cpu.stat, in seconds (undefined when absent). */
export function parseCpuStat(text: string): number | undefined {
  const match = /^usage_usec\s+(\d+)$/m.exec(text);
  return match ? Number(match[1]) / 1e6 : undefined;
}

/** The files that may hold a container's CPU usage, most likely first. */
export function cpuUsageCandidates(containerId: string, cgroupRoot = '/sys/fs/cgroup'): string[] {
  return [
    path.join(cgroupRoot, 'cpuacct', 'docker', containerId, 'cpuacct.usage'),
    path.join(cgroupRoot, 'cpu,cpuacct', 'docker', containerId, 'cpuacct.usage'),
    path.join(cgroupRoot, 'cpuacct', 'system.slice', `docker-${containerId}.scope`, 'cpuacct.usage'),
    path.join(cgroupRoot, 'docker', containerId, 'cpu.stat'),
    path.join(cgroupRoot, 'system.slice', `docker-${containerId}.scope`, 'cpu.stat'),
  ];
}

/** CPU seconds the container has used since it (last) started; undefined when no cgroup file is found. */
export function containerCpuSeconds(containerId: string, cgroupRoot = '/sys/fs/cgroup'): number | undefined {
  for (const file of cpuUsageCandidates(containerId, cgroupRoot)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    return file.endsWith('cpu.stat') ? parseCpuStat(text) : Number(text.trim()) / 1e9;
  }
  return undefined;
}

export interface CpuReading {
  /** Container id → CPU seconds at the reading. */
  readonly byContainer: ReadonlyMap<string, number>;
}

export function readCpu(containerIds: readonly string[], cgroupRoot?: string): CpuReading {
  const byContainer = new Map<string, number>();
  for (const id of containerIds) {
    const seconds = containerCpuSeconds(id, cgroupRoot);
    if (seconds !== undefined) byContainer.set(id, seconds);
  }
  return { byContainer };
}

/**
 * CPU seconds the container has used, from the Docker engine's stats (`cpu_stats.cpu_usage.total_usage`,
 * nanoseconds: the cgroup's counter); undefined when the engine does not answer or reports none.
 */
export function engineCpuSeconds(
  containerId: string,
  socketPath = '/var/run/docker.sock',
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(
      { socketPath, path: `/containers/${encodeURIComponent(containerId)}/stats?stream=false&one-shot=true` },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          try {
            const usage = (JSON.parse(body) as { cpu_stats?: { cpu_usage?: { total_usage?: number } } })
              .cpu_stats?.cpu_usage?.total_usage;
            resolve(
              response.statusCode === 200 && typeof usage === 'number' && usage > 0 ? usage / 1e9 : undefined,
            );
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    request.setTimeout(10_000, () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/** The cgroup readings, and the engine's for the containers whose cgroup files are not visible here. */
export async function readContainerCpu(
  containerIds: readonly string[],
  options: { cgroupRoot?: string; socketPath?: string } = {},
): Promise<CpuReading> {
  const byContainer = new Map(readCpu(containerIds, options.cgroupRoot).byContainer);
  await Promise.all(
    containerIds
      .filter((id) => !byContainer.has(id))
      .map(async (id) => {
        const seconds = await engineCpuSeconds(id, options.socketPath);
        if (seconds !== undefined) byContainer.set(id, seconds);
      }),
  );
  return { byContainer };
}

/**
 * CPU seconds used between two readings, summed per group (e.g. the compose service of each container).
 * Containers missing from either reading, or whose counter went down (restarted), are left out and
 * listed in `unmeasured`.
 */
export function cpuBetween(
  before: CpuReading,
  after: CpuReading,
  groupOf: (containerId: string) => string,
): { byGroup: Record<string, number>; total: number; unmeasured: string[] } {
  const byGroup: Record<string, number> = {};
  const unmeasured: string[] = [];
  let total = 0;
  const ids = new Set([...before.byContainer.keys(), ...after.byContainer.keys()]);
  for (const id of ids) {
    const start = before.byContainer.get(id);
    const end = after.byContainer.get(id);
    if (start === undefined || end === undefined || end < start) {
      unmeasured.push(id);
      continue;
    }
    const group = groupOf(id);
    byGroup[group] = (byGroup[group] ?? 0) + (end - start);
    total += end - start;
  }
  return { byGroup, total, unmeasured };
}
