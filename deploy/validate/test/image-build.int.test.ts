// Builds each image's file tree natively (src/image-build.ts: the Dockerfile's own COPY and RUN steps) and
// starts the image's CMD from it, on the host, against real Kafka and PostgreSQL from the stack harness:
// proof that the production-only dependencies suffice, that the start command is the native one, and that
// the HEALTHCHECK command answers. The consumer image also runs the migration CLI the migrate Job uses.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createTestShards, createTestTopic, freePort, uniqueName } from '@tillstream/stack/harness';
import { execForm } from '../src/dockerfile.js';
import { buildImageTree, type BuiltImage } from '../src/image-build.js';
import { REPO_ROOT } from '../src/paths.js';

const run = promisify(execFile);
const workDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-images-'));
const layerCacheDir = path.join(workDir, 'layers');
const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(workDir, { recursive: true, force: true })];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let env: Record<string, string>;
before(async () => {
  const topic = await createTestTopic(12);
  const shards = await createTestShards(4);
  cleanups.push(
    () => topic.remove(),
    () => shards.remove(),
  );
  env = {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_DLQ_TOPIC: topic.dlqTopic,
    KAFKA_GROUP_ID: uniqueName('image-test'),
    SHARD_URLS: shards.urls.join(','),
    PURCHASE_WORKERS: '1',
    // The image starts as deployments run it: writes authenticated, with a key of this test's own.
    PURCHASE_API_KEYS: `tsk_image-test-${randomBytes(12).toString('hex')}`,
    STORE_WORKERS: '1',
    LOG_LEVEL: 'warn',
  };
});

const build = (dockerfile: string, name: string) =>
  buildImageTree(dockerfile, path.join(workDir, name), {
    layerCacheDir,
    log: (l) => console.log(`# ${name}: ${l.slice(0, 120)}`),
  });

async function waitFor(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready:\n${output()}`);
}

/** Starts the image's CMD in its WORKDIR with its ENV, as the container runtime would. */
async function startImage(image: BuiltImage, serviceEnv: Record<string, string>) {
  const [command, ...args] = image.dockerfile.finalStage.cmd!;
  assert.equal(command, 'node');
  const port = await freePort();
  const childEnv = {
    PATH: process.env.PATH!,
    HOME: os.tmpdir(),
    ...image.env,
    ...serviceEnv,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const child = spawn(process.execPath, args, {
    cwd: image.workdir,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    return new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  };
  cleanups.push(stop);
  await waitFor(`http://127.0.0.1:${port}/readyz`, child, () => output);
  return { port, childEnv, stop, output: () => output };
}

/** Runs the HEALTHCHECK's CMD (exec form) the way Docker would, inside the running "container". */
async function healthcheck(image: BuiltImage, childEnv: Record<string, string>): Promise<void> {
  const spec = image.dockerfile.finalStage.healthcheck!;
  const [command, ...args] = execForm(spec.slice(spec.indexOf('CMD') + 3));
  assert.equal(command, 'node');
  await run(process.execPath, args, { cwd: image.workdir, env: childEnv, timeout: 10_000 });
}

for (const [service, extraEnv] of [
  ['purchase', ['KAFKA_BROKERS', 'KAFKA_TOPIC', 'PURCHASE_WORKERS', 'PURCHASE_API_KEYS', 'LOG_LEVEL']],
  ['store', ['SHARD_URLS', 'STORE_WORKERS', 'LOG_LEVEL']],
  [
    'consumer',
    ['KAFKA_BROKERS', 'KAFKA_TOPIC', 'KAFKA_DLQ_TOPIC', 'KAFKA_GROUP_ID', 'SHARD_URLS', 'LOG_LEVEL'],
  ],
] as const) {
  describe(`services/${service}/Dockerfile`, () => {
    let image: BuiltImage;
    before(() => {
      image = build(`services/${service}/Dockerfile`, service);
    });

    it('ships its start command and no devDependencies', () => {
      assert.ok(existsSync(path.join(image.workdir, 'services', service, 'dist', 'main.js')));
      for (const dev of ['typescript', 'tsx', 'eslint', '@tillstream/stack'])
        assert.ok(
          !existsSync(path.join(image.workdir, 'node_modules', dev, 'package.json')),
          `${dev} is in the image`,
        );
    });

    it('starts with its CMD from the built tree, answers its HEALTHCHECK, and stops gracefully on SIGTERM', async () => {
      const serviceEnv = Object.fromEntries(extraEnv.map((k) => [k, env[k]!]));
      const started = await startImage(image, serviceEnv);
      await healthcheck(image, started.childEnv);
      const metrics = await fetch(`http://127.0.0.1:${started.port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.equal(await started.stop(), 0, started.output());
    });

    if (service === 'consumer') {
      it('runs the migration CLI of the migrate Job/service from the image', async () => {
        const { stdout } = await run(process.execPath, ['packages/schema/dist/cli.js'], {
          cwd: image.workdir,
          env: { PATH: process.env.PATH!, SHARD_URLS: env.SHARD_URLS! },
          timeout: 60_000,
        });
        // One line per shard migrated, then the identity the shards now share.
        const lines = stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        assert.deepEqual(
          lines.slice(0, 4).map((l) => l.shard),
          [0, 1, 2, 3],
          stdout,
        );
        assert.equal(lines[4]?.shards, 4, stdout);
      });
    }
  });
}

describe('deploy/k6/Dockerfile', () => {
  it('ships the k6 script with the compiled workload module it imports', () => {
    const image = build('deploy/k6/Dockerfile', 'k6');
    const script = path.join(image.root, 'loadtest', 'k6', 'purchases.js');
    assert.ok(existsSync(script));
    for (const imported of ['workload.js', 'retry-policy.js'])
      assert.ok(existsSync(path.join(image.root, 'loadtest', 'dist', imported)), `${imported} missing`);
    assert.deepEqual(image.dockerfile.finalStage.cmd!.slice(-1), ['/loadtest/k6/purchases.js']);
    assert.ok(REPO_ROOT);
  });
});
