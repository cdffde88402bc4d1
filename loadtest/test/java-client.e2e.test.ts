// The course's clients work unchanged: Java/OkHttp clients generated the way CS6650 students generate
// theirs (OpenAPI Generator from Maven Central, the java generator's okhttp-gson library, the body
// argument first as swagger-codegen puts it) from the documents the running services serve, built with
// Maven in a temporary directory, run a short phased load with stores numbered from 0 (the thread index)
// through the real pipeline. Every purchase must be answered 201 and, after the drain, counted exactly
// once on its shard and in the Store API — which the generated store client reads back too.
//
// Needs a JDK and Maven (Debian: openjdk-17-jdk-headless, maven). The generator jar is resolved once into
// ~/.cache/tillstream by scripts/ensure-openapi-generator.sh; Maven caches the client's dependencies in
// ~/.m2. On a 2-core machine the test takes about 100 s cold (nothing cached: 80 MB from Maven
// Central) and about 60 s warm.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { drainAndVerify, useIsolatedPipeline } from './support/pipeline.js';
import { Ledger, topN, type ItemQuantity } from '../src/ledger.js';
import { REPO_ROOT } from '../src/paths.js';

const execFileAsync = promisify(execFile);
const MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs a command; a failure carries the end of its output (Maven writes its errors to stdout). */
async function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<{ stdout: string }> {
  try {
    return await execFileAsync(command, args, { maxBuffer: MAX_OUTPUT, ...options });
  } catch (error) {
    const { stdout = '', stderr = '', code } = error as { stdout?: string; stderr?: string; code?: unknown };
    const missing = code === 'ENOENT' ? ` (${command} is not installed)` : '';
    throw new Error(
      `${command} ${args.slice(0, 3).join(' ')} … failed${missing}:\n${`${stdout}\n${stderr}`.trim().slice(-4000)}`,
      { cause: error },
    );
  }
}

// The phased run: 8 stores (0…7: east 2, central 2, west 4) × 9 hours × 5 purchases of 5 items from
// 0…15, so item 0 and store 0 are common and top-10 ties are exercised.
const STORES = 8;
const PURCHASES_PER_HOUR = 5;
const HOURS = 9;
const MAX_ITEM_ID = 15;

// The generated client is the course client, which sends no API key: the explicit CS6650 mode.
const fixture = useIsolatedPipeline(12, { auth: 'off' });
let workDir: string;

before(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'tillstream-java-client-'));
});
after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function step<T>(t: TestContext, name: string, action: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await action();
  } finally {
    t.diagnostic(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function generate(
  jar: string,
  document: string,
  output: string,
  packagePrefix: string,
  extra: string[],
) {
  await run('java', [
    '-jar',
    jar,
    'generate',
    '--generator-name',
    'java',
    '--library',
    'okhttp-gson',
    '--input-spec',
    document,
    '--output',
    output,
    '--invoker-package',
    packagePrefix,
    '--api-package',
    `${packagePrefix}.api`,
    '--model-package',
    `${packagePrefix}.model`,
    '--group-id',
    'io.swagger',
    '--artifact-id',
    'swagger-java-client',
    '--global-property',
    'apiTests=false,modelTests=false,apiDocs=false,modelDocs=false',
    '--additional-properties',
    ['hideGenerationTimestamp=true', ...extra].join(','),
  ]);
}

/** The ledger file: one line per acknowledged purchase, "storeID itemID:quantity …". */
function readLedger(file: string): Ledger {
  const ledger = new Ledger(MAX_ITEM_ID);
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const [store, ...items] = line.trim().split(' ');
    ledger.add(
      Number(store),
      items.map((pair) => {
        const [itemId, quantity] = pair.split(':');
        return { itemId: Number(itemId), quantity: Number(quantity) };
      }),
    );
  }
  return ledger;
}

/** The top stores of an item, from the ledger, in the Store API's order (ties by store id). */
function topStoresOf(ledger: Ledger, itemId: number): { storeID: number; numberOfItems: number }[] {
  const rows: ItemQuantity[] = ledger
    .stores()
    .map((storeId) => ({ itemId: storeId, quantity: ledger.quantity(storeId, itemId) }))
    .filter((row) => row.quantity > 0);
  return topN(rows, 10).map((row) => ({ storeID: row.itemId, numberOfItems: row.quantity }));
}

test('a generated Java/OkHttp client runs the phased load with stores from 0: all 201, each purchase counted once', async (t) => {
  await run('javac', ['-version']).catch((error: Error) => {
    throw new Error(`the Java client test needs a JDK (Debian: openjdk-17-jdk-headless): ${error.message}`);
  });
  const jar = await step(t, 'generator jar', async () => {
    const { stdout } = await run(path.join(REPO_ROOT, 'scripts', 'ensure-openapi-generator.sh'), []);
    return stdout.trim();
  });

  const project = path.join(workDir, 'client');
  await step(t, 'generate the purchase and store clients', async () => {
    const purchaseDoc = path.join(workDir, 'purchase.json');
    const storeDoc = path.join(workDir, 'store.json');
    writeFileSync(
      purchaseDoc,
      await (await fetch(`${fixture.pipeline.targets.purchaseUrl}/openapi.json`)).text(),
    );
    writeFileSync(storeDoc, await (await fetch(`${fixture.pipeline.targets.storeUrl}/openapi.json`)).text());
    // The purchase client in the package course clients import (io.swagger.client.api.PurchaseApi),
    // with newPurchase(body, storeID, custID, date) as swagger-codegen orders it.
    await generate(jar, purchaseDoc, project, 'io.swagger.client', ['prependFormOrBodyParameters=true']);
    await generate(jar, storeDoc, project, 'io.swagger.client.store', []);
    cpSync(
      path.join(REPO_ROOT, 'loadtest', 'java-client', 'dev'),
      path.join(project, 'src', 'main', 'java', 'dev'),
      {
        recursive: true,
      },
    );
  });

  const classpath = await step(t, 'mvn compile', async () => {
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        path.join(project, 'pom.xml'),
        'compile',
        'dependency:build-classpath',
        `-Dmdep.outputFile=${path.join(project, 'classpath.txt')}`,
        '-Dmaven.test.skip=true',
      ],
      { env: { ...process.env, MAVEN_OPTS: `${process.env.MAVEN_OPTS ?? ''} -Xmx384m`.trim() } },
    );
    const dependencies = readFileSync(path.join(project, 'classpath.txt'), 'utf8').trim();
    return [path.join(project, 'target', 'classes'), dependencies].join(path.delimiter);
  });

  const ledgerFile = path.join(workDir, 'ledger.txt');
  const summary = await step(t, 'phased run', async () => {
    const { stdout } = await run(
      'java',
      [
        '-Xmx256m',
        '-cp',
        classpath,
        'dev.tillstream.javaclient.PhasedClient',
        fixture.pipeline.targets.purchaseUrl,
        String(STORES),
        String(PURCHASES_PER_HOUR),
        String(HOURS),
        String(MAX_ITEM_ID),
        ledgerFile,
      ],
      { timeout: 300_000 },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      phases: number[];
      sent: number;
      created: number;
      failures: string[];
    };
  });
  const total = STORES * HOURS * PURCHASES_PER_HOUR;
  assert.deepEqual(summary.failures, []);
  assert.deepEqual(summary.phases, [2, 2, 4]);
  assert.equal(summary.sent, total);
  assert.equal(summary.created, total);

  const ledger = readLedger(ledgerFile);
  const storeIds = Array.from({ length: STORES }, (_, i) => i);
  assert.deepEqual(ledger.stores(), storeIds, 'the stores are numbered from 0');
  assert.equal(ledger.totalPurchases(), total);
  for (const storeId of storeIds) assert.equal(ledger.purchases(storeId), HOURS * PURCHASES_PER_HOUR);
  assert.ok(ledger.quantity(0, 0) > 0, 'store 0 sold item 0');

  const { drain, report } = await step(t, 'drain and check', () => drainAndVerify(fixture, ledger, storeIds));
  assert.ok(drain.drained, JSON.stringify(drain));
  assert.ok(report.ok, JSON.stringify(report, null, 2));
  assert.equal(report.purchaseRows.checked, STORES, 'one purchases row per acknowledged purchase, per store');
  assert.equal(report.storeApi?.checked, STORES);

  // The generated store client reads the same answers: store 0's top items, item 0's top stores.
  const answers = await step(t, 'store answers through the generated ItemsApi', async () => {
    const { stdout } = await run(
      'java',
      [
        '-Xmx256m',
        '-cp',
        classpath,
        'dev.tillstream.javaclient.StoreAnswers',
        fixture.pipeline.targets.storeUrl!,
        'store',
        '0',
        'item',
        '0',
        'store',
        String(STORES - 1),
        'item',
        String(MAX_ITEM_ID),
      ],
      { timeout: 60_000 },
    );
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; id: number; status: number; stores?: unknown });
  });
  const topItems = (storeId: number) =>
    ledger.topItems(storeId, 10).map((i) => ({ itemID: i.itemId, numberOfItems: i.quantity }));
  assert.deepEqual(answers, [
    { kind: 'store', id: 0, status: 200, stores: topItems(0) },
    { kind: 'item', id: 0, status: 200, stores: topStoresOf(ledger, 0) },
    { kind: 'store', id: STORES - 1, status: 200, stores: topItems(STORES - 1) },
    { kind: 'item', id: MAX_ITEM_ID, status: 200, stores: topStoresOf(ledger, MAX_ITEM_ID) },
  ]);
});
