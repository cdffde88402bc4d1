/**
 * The compose tier: the whole system from docker-compose.yml under load, through its published 127.0.0.1
 * ports, with the load runner's own checks (every acknowledged purchase on its shard exactly once, the
 * Store API equal to the ledger).
 *
 *  1. `up --wait`; a clean run (no faults): throughput, p99, and the CPU of every container from its
 *     cgroup, per acknowledged purchase;
 *  2. Prometheus has every scrape target up (each replica of purchase, store and consumer, and itself);
 *  3. optionally, proof that the checks bite: the store service recreated with its SHARD_URLS in the
 *     wrong order must fail the Store API check of a small run, and pass again once restored;
 *  4. a run with faults: one Kafka broker, one consumer and one purchase container are `docker kill`ed,
 *     one at a time, `killEverySeconds` apart, while the load runs; afterwards 0 purchases may have failed
 *     after the client's retries, and the ledger must equal the shards and the Store API; the killed
 *     containers must be back (restart: unless-stopped) and Prometheus' targets up again;
 *  5. `down --volumes`, leaving no container, network or volume.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadLoadConfig, type LoadConfig } from '@tillstream/loadtest/config';
import { executeRun } from '@tillstream/loadtest/run';
import type { RunSummary } from '@tillstream/loadtest/results';
import { resolveTargets, type Targets } from '@tillstream/loadtest/targets';
import { cpuBetween, readCpu } from './cgroup-cpu.js';
import { composeDown, composeUp, nodeImage, projectVariables, publishedUrls } from './compose-stack.js';
import { compose, docker, projectContainers, REPO_ROOT, type ComposeProject } from './docker.js';
import { waitForTargets, type TargetsReport } from './prometheus-targets.js';
import { openShardTunnel, type ShardTunnel } from './shard-tunnel.js';

export interface RunProfile {
  readonly stores: number;
  readonly purchasesPerHour: number;
  readonly hours: number;
}

export interface ComposeTierPlan {
  readonly project: ComposeProject;
  /** Where each run's record goes (results/compose for make compose-test, a temp dir in tests). */
  readonly resultsDir: string;
  readonly allowDirty: boolean;
  readonly clean: RunProfile;
  /** The faults run; its purchases per hour are sized from the clean run's throughput. */
  readonly faults?: {
    readonly stores: number;
    readonly hours: number;
    /** The load should last at least this long (the last kill lands `killEverySeconds` before it ends). */
    readonly minLoadSeconds: number;
    readonly firstKillSeconds: number;
    readonly killEverySeconds: number;
    /** The client's retry budget (attempts per purchase, the first included). */
    readonly maxAttempts: number;
  };
  readonly checkMisconfiguration: boolean;
  /** Leave the stack running at the end (make compose-test KEEP=1). */
  readonly keep?: boolean;
  readonly log: (line: string) => void;
}

export interface CpuPerPurchase {
  readonly totalSeconds: number;
  readonly msPerPurchase: number;
  /** Compose service → CPU seconds. */
  readonly byService: Readonly<Record<string, number>>;
  readonly unmeasuredContainers: readonly string[];
}

export interface KillRecord {
  readonly service: string;
  readonly container: string;
  /** Seconds after the faults run started. */
  readonly atSeconds: number;
  /** Its state when the load ended, and its restart count: restart: unless-stopped brings it back. */
  readonly statusAfterLoad: string;
  readonly restartsAfterLoad: number;
}

export interface ComposeTierReport {
  readonly clean: { readonly summary: RunSummary; readonly dir: string; readonly cpu: CpuPerPurchase };
  readonly targetsBefore: TargetsReport;
  readonly misconfiguration?: {
    readonly wrongShardUrlsCaught: boolean;
    readonly mismatches: number;
    readonly restoredOk: boolean;
  };
  readonly faults?: {
    readonly summary: RunSummary;
    readonly dir: string;
    readonly kills: readonly KillRecord[];
    readonly targetsAfter: TargetsReport;
  };
  readonly leftovers: readonly string[];
}

/** The scrape jobs of deploy/prometheus/prometheus.yml and how many targets each must have. */
export function expectedTargets(project: ComposeProject): Record<string, number> {
  const vars = projectVariables(project);
  return { purchase: 2, store: 2, consumer: Number(vars.CONSUMER_REPLICAS || 3), prometheus: 1 };
}

/** The load runner's configuration for one run against the compose stack. */
export function runConfig(
  plan: ComposeTierPlan,
  profile: RunProfile,
  targets: { purchaseUrl: string; storeUrl: string; shardUrls: readonly string[] },
  extra: Record<string, string> = {},
): LoadConfig {
  const vars = projectVariables(plan.project);
  // Writes are authenticated unless PURCHASE_AUTH=off: the runner sends the first key, as k6 does.
  const apiKey = vars.PURCHASE_AUTH === 'off' ? undefined : vars.PURCHASE_API_KEYS?.split(',')[0];
  return loadLoadConfig({
    ...(apiKey ? { API_KEY: apiKey } : {}),
    STORES: String(profile.stores),
    PURCHASES_PER_HOUR: String(profile.purchasesPerHour),
    HOURS: String(profile.hours),
    PURCHASE_URL: targets.purchaseUrl,
    STORE_URL: targets.storeUrl,
    SHARD_URLS: targets.shardUrls.join(','),
    KAFKA_PARTITIONS: vars.KAFKA_PARTITIONS || '12',
    RESULTS_DIR: plan.resultsDir,
    ALLOW_DIRTY: plan.allowDirty ? '1' : '0',
    PROGRESS_INTERVAL_MS: '10000',
    DRAIN_TIMEOUT_MS: '300000',
    ...extra,
  });
}

async function run(
  plan: ComposeTierPlan,
  config: LoadConfig,
  targets: Targets,
  scenario: string,
): Promise<{ summary: RunSummary; dir: string }> {
  return executeRun({
    config,
    targets,
    scenario,
    repoRoot: REPO_ROOT,
    reproduce: { target: 'make compose-test', baseline: loadLoadConfig({}), clientsVariable: 'STORES' },
    log: plan.log,
  });
}

/** Recreates the store replicas with `shardUrls` (an override file), waiting until they are healthy. */
async function recreateStore(project: ComposeProject, shardUrls: string | undefined): Promise<void> {
  let files = project.files;
  let dir: string | undefined;
  if (shardUrls) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-compose-'));
    const override = path.join(dir, 'wrong-shard-urls.yml');
    // Compose interpolates $ in override files too: escape it.
    writeFileSync(
      override,
      `services:\n  store:\n    environment:\n      SHARD_URLS: '${shardUrls.replaceAll('$', '$$$$')}'\n`,
    );
    files = [...project.files, override];
  }
  try {
    await compose({ ...project, files }, [
      'up',
      '--detach',
      '--wait',
      '--no-deps',
      '--no-build',
      '--pull',
      'never',
      '--force-recreate',
      'store',
    ]);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** The store's SHARD_URLS as compose resolves it. */
async function storeShardUrls(project: ComposeProject): Promise<string> {
  const config = JSON.parse(await compose(project, ['config', '--format', 'json'])) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  const urls = config.services.store?.environment?.SHARD_URLS;
  if (!urls) throw new Error('the store service has no SHARD_URLS');
  return urls;
}

async function restartCount(container: string): Promise<{ restarts: number; status: string }> {
  const [restarts, status] = (
    await docker(['inspect', '--format', '{{.RestartCount}} {{.State.Status}}', container])
  )
    .trim()
    .split(' ');
  return { restarts: Number(restarts), status: status! };
}

/** Kills one container of each service on the schedule; resolves with what was killed and when. */
function scheduleKills(
  plan: ComposeTierPlan,
  services: readonly string[],
  started: number,
): { done: Promise<{ service: string; container: string; atSeconds: number }[]>; cancel(): void } {
  const f = plan.faults!;
  const timers: NodeJS.Timeout[] = [];
  const kills = services.map(
    (service, i) =>
      new Promise<{ service: string; container: string; atSeconds: number }>((resolve, reject) => {
        timers.push(
          setTimeout(
            () => {
              void (async () => {
                const containers = (await projectContainers(plan.project.name)).filter(
                  (c) => c.service === service,
                );
                const victim = containers[containers.length - 1];
                if (!victim) throw new Error(`no running container of ${service} to kill`);
                await docker(['kill', victim.id]);
                const atSeconds = (performance.now() - started) / 1000;
                plan.log(`killed ${victim.name} at ${atSeconds.toFixed(1)} s`);
                resolve({ service, container: victim.name, atSeconds });
              })().catch(reject);
            },
            (f.firstKillSeconds + i * f.killEverySeconds) * 1000,
          ),
        );
      }),
  );
  const done = Promise.all(kills);
  done.catch(() => undefined); // awaited after the load; a failed kill must not go unhandled until then
  return { done, cancel: () => timers.forEach(clearTimeout) };
}

export async function runComposeTier(plan: ComposeTierPlan): Promise<ComposeTierReport> {
  const { project, log } = plan;
  const urls = publishedUrls(project);
  const vars = projectVariables(project);
  const volumesBefore = new Set((await docker(['volume', 'ls', '--quiet'])).split('\n').filter(Boolean));
  let tunnel: ShardTunnel | undefined;
  let report: Omit<ComposeTierReport, 'leftovers'> | undefined;
  try {
    log(`compose up --wait (project ${project.name}, files ${project.files.join(', ')})`);
    const upStarted = performance.now();
    await composeUp(project);
    log(`up and healthy in ${((performance.now() - upStarted) / 1000).toFixed(0)} s`);
    const shardHosts = Object.keys(
      (JSON.parse(await compose(project, ['config', '--format', 'json'])) as { services: object }).services,
    )
      .filter((s) => /^shard-\d+$/.test(s))
      .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
    tunnel = await openShardTunnel({
      projectName: project.name,
      nodeImage: nodeImage(),
      shardHosts,
      user: vars.POSTGRES_USER || 'tillstream',
      password: vars.POSTGRES_PASSWORD!,
      database: vars.POSTGRES_DB || 'tillstream',
    });
    const endpoints = { purchaseUrl: urls.purchaseUrl, storeUrl: urls.storeUrl, shardUrls: tunnel.urls };

    // 1. The clean run, with the CPU of every container around it.
    const cleanConfig = runConfig(plan, plan.clean, endpoints, { SCENARIO: 'compose' });
    const containers = await projectContainers(project.name);
    const serviceOf = new Map(containers.map((c) => [c.id, c.service]));
    const cpuBefore = readCpu(containers.map((c) => c.id));
    const clean = await run(plan, cleanConfig, resolveTargets(cleanConfig, undefined), 'compose');
    const cpu = cpuBetween(cpuBefore, readCpu(containers.map((c) => c.id)), (id) => serviceOf.get(id) ?? '?');
    const ok = clean.summary.load.purchases.ok;
    const cleanCpu: CpuPerPurchase = {
      totalSeconds: cpu.total,
      msPerPurchase: (cpu.total * 1000) / Math.max(1, ok),
      byService: cpu.byGroup,
      unmeasuredContainers: cpu.unmeasured.map((id) => containers.find((c) => c.id === id)?.name ?? id),
    };
    log(
      `clean run: ${ok} purchases, ${cleanCpu.msPerPurchase.toFixed(3)} ms CPU per purchase (all containers)`,
    );

    // 2. Every scrape target up.
    const targetsBefore = await waitForTargets(urls.prometheusUrl, expectedTargets(project));
    log(`Prometheus targets: ${targetsBefore.ok ? 'all up' : targetsBefore.problems.join('; ')}`);

    // 3. The checks bite: a store reading the shards in the wrong order fails the Store API check.
    let misconfiguration: ComposeTierReport['misconfiguration'];
    if (plan.checkMisconfiguration) {
      const right = await storeShardUrls(project);
      const list = right.split(',');
      const wrong = [list[1]!, list[0]!, ...list.slice(2)].join(',');
      log('recreating store with SHARD_URLS in the wrong order (shard-1 first)');
      await recreateStore(project, wrong);
      const small = { stores: 8, purchasesPerHour: 5, hours: 1 };
      const wrongConfig = runConfig(plan, small, endpoints, { SCENARIO: 'compose-wrong-shard-urls' });
      const wrongRun = await run(
        plan,
        wrongConfig,
        resolveTargets(wrongConfig, undefined),
        'compose-wrong-shard-urls',
      );
      const storeApi = wrongRun.summary.verify?.storeApi;
      log('restoring store with the compose file’s SHARD_URLS');
      await recreateStore(project, undefined);
      const rightConfig = runConfig(plan, small, endpoints, { SCENARIO: 'compose-restored' });
      const rightRun = await run(
        plan,
        rightConfig,
        resolveTargets(rightConfig, undefined),
        'compose-restored',
      );
      misconfiguration = {
        wrongShardUrlsCaught: storeApi !== undefined && !storeApi.ok,
        mismatches: storeApi?.mismatchCount ?? 0,
        restoredOk: rightRun.summary.invariantsHold,
      };
      for (const dir of [wrongRun.dir, rightRun.dir]) rmSync(dir, { recursive: true, force: true });
      log(
        `wrong SHARD_URLS: ${misconfiguration.wrongShardUrlsCaught ? `caught (${misconfiguration.mismatches} Store API mismatches)` : 'NOT caught'}; restored: ${misconfiguration.restoredOk ? 'ok' : 'FAILED'}`,
      );
    }

    // 4. Faults under load.
    let faults: ComposeTierReport['faults'];
    if (plan.faults) {
      const f = plan.faults;
      const throughput = Math.max(1, clean.summary.load.throughputPerSecond);
      const purchasesPerHour = Math.ceil((throughput * f.minLoadSeconds) / (f.stores * f.hours));
      const profile = { stores: f.stores, purchasesPerHour, hours: f.hours };
      const config = runConfig(plan, profile, endpoints, {
        SCENARIO: 'compose-kills',
        MAX_ATTEMPTS: String(f.maxAttempts),
      });
      const services = ['kafka-2', 'consumer', 'purchase'];
      log(
        `faults run: ${f.stores} stores × ${f.hours} × ${purchasesPerHour} purchases (about ${f.minLoadSeconds} s at the clean run's rate); killing ${services.join(', ')} from ${f.firstKillSeconds} s, every ${f.killEverySeconds} s`,
      );
      const started = performance.now();
      const killer = scheduleKills(plan, services, started);
      let result: { summary: RunSummary; dir: string };
      try {
        result = await run(plan, config, resolveTargets(config, undefined), 'compose-kills');
      } finally {
        killer.cancel();
      }
      const killed = await Promise.race([
        killer.done,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('the load ended before every kill landed')), 1000),
        ),
      ]);
      const loadEndSeconds = result.summary.load.wallMs / 1000;
      for (const k of killed)
        if (k.atSeconds > loadEndSeconds)
          throw new Error(`${k.container} was killed at ${k.atSeconds.toFixed(1)} s, after the load ended`);
      const kills: KillRecord[] = [];
      for (const k of killed) {
        const { restarts, status } = await restartCount(k.container);
        kills.push({ ...k, statusAfterLoad: status, restartsAfterLoad: restarts });
      }
      // Every container healthy again before Prometheus is asked (starts any the engine did not restart).
      await compose(project, ['up', '--detach', '--wait', '--no-build', '--pull', 'never', '--no-recreate']);
      const targetsAfter = await waitForTargets(urls.prometheusUrl, expectedTargets(project));
      log(
        `Prometheus targets after the kills: ${targetsAfter.ok ? 'all up' : targetsAfter.problems.join('; ')}`,
      );
      faults = { summary: result.summary, dir: result.dir, kills, targetsAfter };
    }
    report = { clean: { ...clean, cpu: cleanCpu }, targetsBefore, misconfiguration, faults };
  } finally {
    await tunnel?.close();
    if (!plan.keep) {
      log('compose down --volumes');
      await composeDown(project);
    }
  }
  const volumesAfter = (await docker(['volume', 'ls', '--quiet'])).split('\n').filter(Boolean);
  const leftovers = plan.keep
    ? []
    : volumesAfter.filter((v) => !volumesBefore.has(v)).map((v) => `volume ${v}`);
  return { ...report, leftovers };
}
