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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadLoadConfig, type LoadConfig } from '@tillstream/loadtest/config';
import { executeRun } from '@tillstream/loadtest/run';
import type { RunSummary } from '@tillstream/loadtest/results';
import { resolveTargets, type Targets } from '@tillstream/loadtest/targets';
import { waitForHttp } from '@tillstream/stack';
import { cpuBetween, readContainerCpu } from './cgroup-cpu.js';
import { composeDown, composeUp, nodeImage, projectVariables, publishedUrls } from './compose-stack.js';
import {
  compose,
  containerLogs,
  docker,
  projectContainers,
  REPO_ROOT,
  type ComposeProject,
} from './docker.js';
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
    /** Kills at first, first + every, first + 2 × every seconds; the load stops `every` after the last. */
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
    /** start: the store refused to start (compose up --wait failed); store-api: the run's check failed. */
    readonly caughtBy?: 'start' | 'store-api';
    /** The store's own log line, or the failed check. */
    readonly evidence: string;
    readonly restoredOk: boolean;
    /** What the run after restoring failed, when it did. */
    readonly restoredProblems?: readonly string[];
  };
  readonly faults?: {
    readonly summary: RunSummary;
    readonly dir: string;
    readonly kills: readonly KillRecord[];
    /** Kills that did not land while the load ran (empty when all three did). */
    readonly lateOrMissed: readonly string[];
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
async function recreateStore(
  project: ComposeProject,
  shardUrls: string | undefined,
  waitSeconds = 600,
): Promise<void> {
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
      '--wait-timeout',
      String(waitSeconds),
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

/**
 * Waits until the gateway reaches the recreated store replicas: nginx re-resolves the service name
 * only once its resolver's `valid=` time has passed (deploy/compose/nginx.conf), so until then it may
 * still send reads to the replaced containers' addresses. Then /readyz through the gateway must answer.
 */
async function waitForGateway(storeUrl: string, timeoutMs = 60_000): Promise<void> {
  const conf = readFileSync(path.join(REPO_ROOT, 'deploy/compose/nginx.conf'), 'utf8');
  const validSeconds = Number(/resolver[^;]*\bvalid=(\d+)s/.exec(conf)?.[1] ?? 30);
  await sleep((validSeconds + 1) * 1000);
  await waitForHttp(`${storeUrl}/readyz`, timeoutMs);
}

/** The checks a run failed, each with its first finding. */
function failedChecks(summary: RunSummary): string[] {
  const problems: string[] = [];
  const { load, drain, verify } = summary;
  if (load.purchases.failed > 0) problems.push(`${load.purchases.failed} purchases failed`);
  if (!drain?.drained) problems.push('the consumer did not drain');
  for (const [name, check] of Object.entries({
    shards: verify?.shards,
    'purchase rows': verify?.purchaseRows,
    'Store API': verify?.storeApi,
  })) {
    if (check && !check.ok)
      problems.push(`${name}: ${check.mismatches[0] ?? `${check.mismatchCount} findings`}`);
  }
  if (!verify) problems.push('not verified');
  return problems;
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

/**
 * Kills one container of each service on the schedule. `stop()` cancels the kills not yet due, waits
 * for one under way, and returns what was killed and when, and which services were not.
 */
function scheduleKills(
  plan: ComposeTierPlan,
  services: readonly string[],
  started: number,
): { stop(): Promise<{ killed: KillRecord[]; missed: string[]; errors: string[] }> } {
  const f = plan.faults!;
  const killed: { service: string; container: string; atSeconds: number }[] = [];
  const errors: string[] = [];
  const inFlight: Promise<void>[] = [];
  const timers = services.map((service, i) =>
    setTimeout(
      () => {
        inFlight.push(
          (async () => {
            const containers = (await projectContainers(plan.project.name)).filter(
              (c) => c.service === service,
            );
            const victim = containers[containers.length - 1];
            if (!victim) throw new Error(`no running container of ${service} to kill`);
            const atSeconds = (performance.now() - started) / 1000;
            await docker(['kill', victim.id]);
            plan.log(`killed ${victim.name} at ${atSeconds.toFixed(1)} s`);
            killed.push({ service, container: victim.name, atSeconds });
          })().catch((error: unknown) => void errors.push((error as Error).message)),
        );
      },
      (f.firstKillSeconds + i * f.killEverySeconds) * 1000,
    ),
  );
  return {
    async stop() {
      timers.forEach(clearTimeout);
      await Promise.all(inFlight);
      const records: KillRecord[] = [];
      for (const k of killed) {
        const { restarts, status } = await restartCount(k.container);
        records.push({ ...k, statusAfterLoad: status, restartsAfterLoad: restarts });
      }
      return {
        killed: records,
        missed: services.filter((s) => !killed.some((k) => k.service === s)),
        errors,
      };
    },
  };
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
    const cpuBefore = await readContainerCpu(containers.map((c) => c.id));
    const clean = await run(plan, cleanConfig, resolveTargets(cleanConfig, undefined), 'compose');
    const cpuAfter = await readContainerCpu(containers.map((c) => c.id));
    const cpu = cpuBetween(cpuBefore, cpuAfter, (id) => serviceOf.get(id) ?? '?');
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

    // 3. The checks bite: a store reading the shards in the wrong order must not pass unnoticed. It is
    //    refused at start (the store checks each URL's shard identity), or else the Store API check of
    //    a small run fails.
    let misconfiguration: ComposeTierReport['misconfiguration'];
    if (plan.checkMisconfiguration) {
      const right = await storeShardUrls(project);
      const list = right.split(',');
      const wrong = [list[1]!, list[0]!, ...list.slice(2)].join(',');
      log('recreating store with SHARD_URLS in the wrong order (shard-1 first)');
      const small = { stores: 8, purchasesPerHour: 5, hours: 1 };
      // A small run whose record is not kept: only its checks matter here (so no visibility probe,
      // whose reads would keep a store's answer in the store's cache up to the check).
      const smallRun = async (scenario: string) => {
        const config = runConfig(plan, small, endpoints, {
          SCENARIO: scenario,
          VISIBILITY_INTERVAL_MS: '0',
        });
        const result = await run(plan, config, resolveTargets(config, undefined), scenario);
        rmSync(result.dir, { recursive: true, force: true });
        return result;
      };
      let caughtBy: 'start' | 'store-api' | undefined;
      let evidence = '';
      try {
        await recreateStore(project, wrong, 180);
        await waitForGateway(urls.storeUrl);
        const wrongRun = await smallRun('compose-wrong-shard-urls');
        const storeApi = wrongRun.summary.verify?.storeApi;
        if (storeApi && !storeApi.ok) {
          caughtBy = 'store-api';
          evidence = `${storeApi.mismatchCount} stores' top 10 differ from the ledger`;
        }
      } catch (error) {
        caughtBy = 'start';
        const store = (await projectContainers(project.name, true)).find((c) => c.service === 'store');
        const logs = store ? await containerLogs(store.id, 50) : '';
        evidence =
          logs.split('\n').find((line) => /refusing to start|mismatch/i.test(line)) ??
          (error as Error).message.split('\n').slice(-1)[0]!;
      }
      log('restoring store with the compose file’s SHARD_URLS');
      await recreateStore(project, undefined);
      await waitForGateway(urls.storeUrl);
      const rightRun = await smallRun('compose-restored');
      const restoredProblems = failedChecks(rightRun.summary);
      misconfiguration = {
        wrongShardUrlsCaught: caughtBy !== undefined,
        ...(caughtBy ? { caughtBy } : {}),
        evidence,
        restoredOk: rightRun.summary.invariantsHold,
        ...(restoredProblems.length > 0 ? { restoredProblems } : {}),
      };
      log(
        `wrong SHARD_URLS: ${caughtBy ? `caught (${caughtBy === 'start' ? 'the store refused to start' : 'Store API check'}: ${evidence})` : 'NOT caught'}; restored: ${misconfiguration.restoredOk ? 'ok' : `FAILED (${restoredProblems.join('; ')})`}`,
      );
    }

    // 4. Faults under load.
    let faults: ComposeTierReport['faults'];
    if (plan.faults) {
      const f = plan.faults;
      // More purchases than the load can send before it is stopped, `killEverySeconds` after the last
      // kill; the clean run's average rate (its phases start with a quarter and a half of the clients)
      // times three leaves room.
      const loadSeconds = f.firstKillSeconds + 3 * f.killEverySeconds;
      const rate = Math.max(1, clean.summary.load.throughputPerSecond) * 3;
      const purchasesPerHour = Math.ceil((rate * loadSeconds) / (f.stores * f.hours));
      const profile = { stores: f.stores, purchasesPerHour, hours: f.hours };
      const config = runConfig(plan, profile, endpoints, {
        SCENARIO: 'compose-kills',
        MAX_ATTEMPTS: String(f.maxAttempts),
      });
      const services = ['kafka-2', 'consumer', 'purchase'];
      log(
        `faults run: ${f.stores} stores, the load stopped after ${loadSeconds} s; killing ${services.join(', ')} from ${f.firstKillSeconds} s, every ${f.killEverySeconds} s`,
      );
      const started = performance.now();
      const killer = scheduleKills(plan, services, started);
      const stop = new AbortController();
      const stopTimer = setTimeout(() => stop.abort(), loadSeconds * 1000);
      // The runner logs this line when the load is over: no kill after it.
      let stopped: ReturnType<typeof killer.stop> | undefined;
      let result: { summary: RunSummary; dir: string };
      try {
        result = await executeRun({
          config,
          targets: resolveTargets(config, undefined),
          scenario: 'compose-kills',
          repoRoot: REPO_ROOT,
          reproduce: { target: 'make compose-test', baseline: loadLoadConfig({}), clientsVariable: 'STORES' },
          stopSignal: stop.signal,
          log: (line) => {
            if (line.startsWith('waiting for the consumer')) stopped ??= killer.stop();
            plan.log(line);
          },
        });
      } finally {
        clearTimeout(stopTimer);
      }
      const { killed: kills, missed, errors } = await (stopped ?? killer.stop());
      const wallSeconds = result.summary.load.wallMs / 1000;
      const lateOrMissed = [
        ...missed.map(
          (service) => `${service}: not killed before the load ended (${wallSeconds.toFixed(0)} s)`,
        ),
        ...kills
          .filter((k) => k.atSeconds > wallSeconds + 2)
          .map(
            (k) =>
              `${k.container}: killed at ${k.atSeconds.toFixed(1)} s, after the load (${wallSeconds.toFixed(1)} s)`,
          ),
        ...errors,
      ];
      // Every container healthy again before Prometheus is asked (starts any the engine did not restart).
      await compose(project, ['up', '--detach', '--wait', '--no-build', '--pull', 'never', '--no-recreate']);
      const targetsAfter = await waitForTargets(urls.prometheusUrl, expectedTargets(project));
      log(
        `Prometheus targets after the kills: ${targetsAfter.ok ? 'all up' : targetsAfter.problems.join('; ')}`,
      );
      const { load } = result.summary;
      log(
        `faults run: ${load.purchases.ok} acknowledged, ${load.purchases.failed} failed after retries, ${load.attempts.retries} retries (statuses ${JSON.stringify(load.statusCounts)}); ${kills.map((k) => `${k.container} ${k.statusAfterLoad} after ${k.restartsAfterLoad} restart(s)`).join(', ')}`,
      );
      faults = { summary: result.summary, dir: result.dir, kills, lateOrMissed, targetsAfter };
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
