/**
 * make compose-up | compose-down | compose-test:
 *
 *   node --import tsx deploy/compose/src/cli.ts up     docker compose up --wait (project tillstream, the ports of .env)
 *   node --import tsx deploy/compose/src/cli.ts down   docker compose down --volumes, and check nothing is left
 *   node --import tsx deploy/compose/src/cli.ts report regenerates results/compose/README.md from its record
 *   node --import tsx deploy/compose/src/cli.ts test   the compose tier (src/compose-tier.ts) recorded under
 *                                                     results/compose/, beside the native stack on the same profile
 *
 * `test` runs its own project (tillstream-compose-test) on free 127.0.0.1 ports, so a stack from
 * `make compose-up` or the native stack keep theirs. Settings (test): COMPOSE_TEST_STORES (128),
 * COMPOSE_TEST_PURCHASES_PER_HOUR (20), COMPOSE_TEST_MAX_ATTEMPTS (10),
 * NATIVE (1: run the native baseline), RESULTS_DIR (results), ALLOW_DIRTY, KEEP (leave the stack up).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bool, int, loadConfig, z } from '@tillstream/config';
import { machineInfo } from '@tillstream/loadtest/results';
import { startProvenance } from '@tillstream/loadtest/provenance';
import { freePort } from '@tillstream/stack/harness';
import { formatComposeReport, type ComposeTestRecord } from './compose-report.js';
import { composeDown, composeProject, composeUp, generatedEnvFile, publishedUrls } from './compose-stack.js';
import { runComposeTier } from './compose-tier.js';
import { compose, docker, REPO_ROOT } from './docker.js';
import { runNativeBaseline } from './native-baseline.js';

const log = (line: string) => console.log(`[compose] ${line}`);

function loadTestConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(
    {
      /** Stores (closed-loop clients) of the clean and the faults run. */
      COMPOSE_TEST_STORES: int(128, 1, 4096),
      /** Purchases per store per "hour" of the clean run (9 hours). */
      COMPOSE_TEST_PURCHASES_PER_HOUR: int(20, 1, 10_000),
      /** The client's attempts per purchase in the faults run. */
      COMPOSE_TEST_MAX_ATTEMPTS: int(10, 1, 100),
      NATIVE: bool(true),
      RESULTS_DIR: z.string().default('results'),
      ALLOW_DIRTY: bool(false),
      KEEP: bool(false),
    },
    env,
    (e) => ({
      stores: e.COMPOSE_TEST_STORES,
      purchasesPerHour: e.COMPOSE_TEST_PURCHASES_PER_HOUR,
      maxAttempts: e.COMPOSE_TEST_MAX_ATTEMPTS,
      native: e.NATIVE,
      resultsDir: path.resolve(REPO_ROOT, e.RESULTS_DIR, 'compose'),
      allowDirty: e.ALLOW_DIRTY,
      keep: e.KEEP,
    }),
  );
}

/** Each image the project runs, and whether it is a stand-in built by deploy/docker/images.sh. */
async function imagesOf(project: Awaited<ReturnType<typeof composeProject>>) {
  const images = [
    ...new Set((await compose(project, ['config', '--images'])).split('\n').filter(Boolean)),
  ].sort();
  return Promise.all(
    images.map(async (image) => {
      const label = await docker([
        'image',
        'inspect',
        '--format',
        '{{index .Config.Labels "dev.tillstream.stand-in.of"}}',
        image,
      ]).catch(() => '');
      // Images built FROM a stand-in inherit its labels: a stand-in is one that stands in for itself.
      return { image, standIn: label.trim() === image };
    }),
  );
}

async function test(): Promise<number> {
  const config = loadTestConfig(process.env);
  // Refuse a dirty tree before anything starts (each run checks again).
  const provenance = startProvenance(REPO_ROOT, config.resultsDir, config.allowDirty);
  const startedAt = new Date().toISOString();
  const durations: Record<string, number> = {};
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      durations[step] = (performance.now() - started) / 1000;
    }
  };
  const profile = { stores: config.stores, purchasesPerHour: config.purchasesPerHour, hours: 9 };
  mkdirSync(config.resultsDir, { recursive: true });
  const native = config.native
    ? await timed('native', () =>
        runNativeBaseline({ profile, resultsDir: config.resultsDir, allowDirty: config.allowDirty, log }),
      )
    : undefined;
  const envDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-compose-test-'));
  const project = await composeProject(
    'tillstream-compose-test',
    {
      PURCHASE_PORT: String(await freePort()),
      STORE_PORT: String(await freePort()),
      PROMETHEUS_PORT: String(await freePort()),
      GRAFANA_PORT: String(await freePort()),
    },
    generatedEnvFile(envDir),
  );
  const composeReport = await timed('compose', () =>
    runComposeTier({
      project,
      resultsDir: config.resultsDir,
      allowDirty: config.allowDirty,
      clean: profile,
      faults: {
        stores: config.stores,
        hours: 9,
        firstKillSeconds: 15,
        killEverySeconds: 20,
        maxAttempts: config.maxAttempts,
      },
      checkMisconfiguration: true,
      keep: config.keep,
      log,
    }),
  );
  const record: ComposeTestRecord = {
    command: 'make compose-test',
    commit: provenance.commit,
    commitDirty: provenance.commitDirty,
    startedAt,
    machine: machineInfo(),
    environment: {
      engine: (await docker(['version', '--format', '{{.Server.Version}}'])).trim(),
      compose: (await docker(['compose', 'version', '--short'])).trim(),
      images: await imagesOf(project),
    },
    compose: composeReport,
    ...(native ? { native } : {}),
    durationsSeconds: durations,
  };
  writeFileSync(path.join(config.resultsDir, 'compose-test.json'), `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(
    path.join(config.resultsDir, 'README.md'),
    formatComposeReport(record, (dir) => path.relative(config.resultsDir, dir)),
  );
  log(`wrote ${path.relative(REPO_ROOT, path.join(config.resultsDir, 'README.md'))}`);
  const faults = composeReport.faults;
  const ok =
    composeReport.clean.summary.invariantsHold &&
    composeReport.targetsBefore.ok &&
    (composeReport.misconfiguration?.wrongShardUrlsCaught ?? true) &&
    (composeReport.misconfiguration?.restoredOk ?? true) &&
    (faults ? faults.summary.invariantsHold && faults.targetsAfter.ok : true) &&
    composeReport.leftovers.length === 0 &&
    (native?.summary.invariantsHold ?? true);
  log(ok ? 'every check held' : 'a check FAILED: see the record');
  return ok ? 0 : 1;
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const project = await composeProject('tillstream');
      if (project.files.length > 1) log('grafana/grafana is not available here: running without Grafana');
      log('docker compose up --wait …');
      await composeUp(project);
      const urls = publishedUrls(project);
      log(`purchase API ${urls.purchaseUrl}, store API ${urls.storeUrl}, Prometheus ${urls.prometheusUrl}`);
      return 0;
    }
    case 'down':
      await composeDown(await composeProject('tillstream'));
      log('removed the containers, networks and volumes of project tillstream');
      return 0;
    case 'test':
      return test();
    case 'report': {
      // Regenerates results/compose/README.md from the record of the last `make compose-test`.
      const dir = loadTestConfig(process.env).resultsDir;
      const record = JSON.parse(
        readFileSync(path.join(dir, 'compose-test.json'), 'utf8'),
      ) as ComposeTestRecord;
      writeFileSync(
        path.join(dir, 'README.md'),
        formatComposeReport(record, (d) => path.relative(dir, d)),
      );
      return 0;
    }
    default:
      console.error('usage: cli.ts up|down|test');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
