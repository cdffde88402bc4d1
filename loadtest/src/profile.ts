#!/usr/bin/env node
/**
 * `make profile`: where the designed system's CPU goes under load. One recorded run of the CS6650
 * workload (CLIENTS, default 512; PURCHASES_PER_HOUR, default 30) on a fresh native stack of its own
 * (STACK_DIR .stack-profile, ports shifted by PROFILE_PORT_OFFSET, Prometheus off) whose services
 * run with `--cpu-prof` (STACK_SERVICE_NODE_ARGS). The run records CPU by component from /proc like every run; after
 * the stack's graceful stop each service's profiles (one per process: the cluster workers of the
 * purchase and store services, the consumer) are summarised — self time by package and by function,
 * as shares of the busy time — and kept, gzipped, for speedscope or Chrome DevTools. Writes
 * results/profile/<date>-profile-<clients>/ with summary.json, profile.json and README.md.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { int, loadConfig, z } from '@tillstream/config';
import {
  costSettingsOf,
  stackCommand,
  stackEnvironment,
  readPrivateStack,
  type PrivateStackState,
} from './private-stack.js';
import { loadLoadConfig, resultsDirSetting } from './config.js';
import { pidOfProfileFile, summarizeProfiles, type CpuProfile, type ProfileSummary } from './cpu-profile.js';
import { runIfEntry } from './entry.js';
import { REPO_ROOT } from './paths.js';
import { readAllProcStats, treePids } from './process-cpu.js';
import { startProvenance } from './provenance.js';
import { executeRun } from './run.js';
import { formatCpuBreakdown, formatSummaryTable } from './summary-table.js';

const SERVICES = ['purchase', 'consumer', 'store'] as const;

export function loadProfileConfig(env: Record<string, string | undefined>) {
  return loadConfig(
    {
      PROFILE_PORT_OFFSET: int(30_000, 0, 30_000),
      PROFILE_STACK_DIR: z.string().default(path.join(REPO_ROOT, '.stack-profile')),
      /** V8's sampling interval (µs); the default 1000 costs the profiled processes little. */
      PROFILE_INTERVAL_US: int(1_000, 100, 100_000),
    },
    env,
    (e) => ({
      portOffset: e.PROFILE_PORT_OFFSET,
      stackDir: path.resolve(e.PROFILE_STACK_DIR),
      intervalUs: e.PROFILE_INTERVAL_US,
    }),
  );
}

/** Each service's processes (its primary and every worker): whose profile a file is. */
export function serviceOfPid(
  state: PrivateStackState,
  pid: number,
  stats = readAllProcStats(),
): string | undefined {
  for (const name of SERVICES) {
    for (const root of state.services[name]?.pids ?? []) {
      if (treePids(stats, root).includes(pid)) return name;
    }
  }
  return undefined;
}

/** The README of a profile record: CPU by component, then each service's costs by package and function. */
export function profileReadme(
  header: string,
  cpu: string | undefined,
  services: Readonly<Record<string, ProfileSummary & { readonly files: readonly string[] }>>,
): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
  const lines = [header, ''];
  if (cpu) lines.push(`Stack CPU per acknowledged purchase by component (ms, /proc): ${cpu}`, '');
  for (const [name, s] of Object.entries(services)) {
    lines.push(
      `## ${name}`,
      '',
      `${s.files.length} process(es), ${(s.busyMs / 1000).toFixed(1)} s busy of ${(s.sampledMs / 1000).toFixed(1)} s sampled. ` +
        `Profiles: ${s.files.map((f) => `[${f}](${f})`).join(', ')} (gunzip, then open in https://www.speedscope.app or Chrome DevTools).`,
      '',
      '| package | self time (s) | share of busy time |',
      '|---|--:|--:|',
      ...s.packages.map((p) => `| ${p.name} | ${(p.ms / 1000).toFixed(1)} | ${pct(p.share)} |`),
      '',
      '| function (self time) | self time (s) | share of busy time |',
      '|---|--:|--:|',
      ...s.functions.map(
        (f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${(f.ms / 1000).toFixed(1)} | ${pct(f.share)} |`,
      ),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const base = loadLoadConfig(
    { CLIENTS: '512', PURCHASES_PER_HOUR: '30', ...process.env },
    { scenario: 'profile' },
  );
  const config = { ...base, resultsDir: path.join(base.resultsDir, 'profile') };
  const { portOffset, stackDir, intervalUs } = loadProfileConfig(process.env);
  const log = (line: string) => console.log(`[profile] ${line}`);
  startProvenance(REPO_ROOT, path.resolve(REPO_ROOT, config.resultsDir), config.allowDirty);
  const profilesDir = mkdtempSync(path.join(tmpdir(), 'tillstream-cpu-prof-'));
  const env = {
    ...stackEnvironment('kafka-sharded', stackDir, portOffset),
    PROMETHEUS: 'off',
    // Every service process (cluster workers too) writes its profile here when it exits.
    STACK_SERVICE_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${profilesDir} --cpu-prof-interval=${intervalUs}`,
  };
  stackCommand('clean', env);
  stackCommand('up', env);
  let stopped = false;
  try {
    const { state, targets } = await readPrivateStack(stackDir);
    const clients = config.clients[0] ?? config.profile.stores;
    const stats = readAllProcStats();
    const { summary, dir } = await executeRun({
      config,
      targets,
      scenario: 'profile',
      clients,
      repoRoot: REPO_ROOT,
      stackDir,
      reproduce: {
        target: 'make profile',
        baseline: {
          ...loadLoadConfig({ CLIENTS: '512', PURCHASES_PER_HOUR: '30' }),
          resultsDir: config.resultsDir,
        },
        clientsVariable: 'CLIENTS',
        extra: { ...resultsDirSetting(process.env), ...costSettingsOf(process.env) },
      },
      log,
    });
    console.log(`\n${formatSummaryTable(summary, dir, REPO_ROOT)}`);
    // The profiles are written as the processes exit.
    stackCommand('down', env);
    stopped = true;
    const byService = new Map<string, { profiles: CpuProfile[]; files: string[] }>();
    for (const file of readdirSync(profilesDir).sort()) {
      const pid = pidOfProfileFile(file);
      const service = pid === undefined ? undefined : serviceOfPid(state, pid, stats);
      if (!service) continue;
      const text = readFileSync(path.join(profilesDir, file));
      const entry = byService.get(service) ?? { profiles: [], files: [] };
      const name = `${service}-${pid}.cpuprofile.gz`;
      writeFileSync(path.join(dir, name), gzipSync(text, { level: 9 }));
      entry.profiles.push(JSON.parse(text.toString('utf8')) as CpuProfile);
      entry.files.push(name);
      byService.set(service, entry);
    }
    const services = Object.fromEntries(
      SERVICES.filter((s) => byService.has(s)).map((s) => {
        const { profiles, files } = byService.get(s)!;
        return [s, { ...summarizeProfiles(profiles), files }];
      }),
    );
    writeFileSync(path.join(dir, 'profile.json'), `${JSON.stringify({ intervalUs, services }, null, 2)}\n`);
    const header =
      `# CPU profile: ${summary.clients} clients, ${summary.load.purchases.ok.toLocaleString('en-US')} purchases ` +
      `(${Math.round(summary.load.throughputPerSecond).toLocaleString('en-US')}/s)\n\n` +
      `Generated by \`make profile\` (loadtest/src/profile.ts) at commit \`${summary.commit.slice(0, 8)}\`${summary.commitDirty ? ' (uncommitted changes)' : ''}; ` +
      `reproduce with \`${summary.command}\`. Sampling interval ${intervalUs} µs; every service process ran with \`--cpu-prof\`.`;
    writeFileSync(
      path.join(dir, 'README.md'),
      profileReadme(header, summary.cpu ? formatCpuBreakdown(summary.cpu) : undefined, services),
    );
    log(
      `wrote ${path.relative(REPO_ROOT, dir)}/ (${[...byService.values()].flatMap((s) => s.files).length} profiles)`,
    );
    return summary.invariantsHold ? 0 : 1;
  } finally {
    if (!stopped) stackCommand('down', env);
    stackCommand('clean', env);
    rmSync(profilesDir, { recursive: true, force: true });
    mkdirSync(path.resolve(REPO_ROOT, config.resultsDir), { recursive: true });
  }
}

runIfEntry(import.meta.url, main);
