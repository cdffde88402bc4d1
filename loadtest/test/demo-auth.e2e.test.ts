// `make demo`'s path on a native stack of its own (own STACK_DIR and ports, never the shared stack): the
// stack generates its purchase API key (0600, named in state.json) and starts the purchase service with
// it, so an anonymous write is refused; the demo (loadtest/dist/demo.js) reads the key, sends it with
// every purchase, and its ledger check holds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { readState, readStackApiKey, type StackState } from '@tillstream/stack';
import { REPO_ROOT } from '../src/paths.js';
import type { RunSummary } from '../src/results.js';

const run = promisify(execFile);
const stackDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-demo-auth-'));
const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'tillstream-demo-auth-results-'));
const env = {
  ...process.env,
  STACK_DIR: stackDir,
  KAFKA_NODES: '1',
  KAFKA_NETWORK: 'loopback',
  KAFKA_PORT: '39492',
  KAFKA_CONTROLLER_PORT: '39592',
  KAFKA_HEAP_MB: '256',
  SHARD_COUNT: '2',
  SHARD_BASE_PORT: '35733',
  PURCHASE_PORT: '38480',
  STORE_PORT: '38481',
  CONSUMER_PORT: '38482',
  PURCHASE_WORKERS: '1',
  STORE_WORKERS: '1',
  STACK_SERVICES: 'true',
  PROMETHEUS: 'off',
};
const stack = (command: 'up' | 'down') =>
  run(process.execPath, [path.join(REPO_ROOT, 'stack', 'dist', 'cli.js'), command], {
    env,
    cwd: REPO_ROOT,
    timeout: 300_000,
  });

let state: StackState;
before(async () => {
  await stack('up');
  state = (await readState(stackDir))!;
});
after(async () => {
  await stack('down').catch(() => undefined);
  rmSync(stackDir, { recursive: true, force: true });
  rmSync(resultsDir, { recursive: true, force: true });
});

const PATH = '/purchase/4242/customer/1/date/20210101';
const post = (headers: Record<string, string>) =>
  fetch(`${state.services.purchase!.url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ items: [{ ItemID: '1', 'numberOfItems:': 1 }] }),
    signal: AbortSignal.timeout(15_000),
  });

test('the native stack generates a private key and its purchase service accepts only that key', async () => {
  const key = readStackApiKey(stackDir);
  assert.ok(key && key.length >= 16, 'the stack generated a key');
  assert.equal(state.purchaseApiKeyFile, path.join(stackDir, 'purchase-api-key'));
  assert.equal(statSync(state.purchaseApiKeyFile).mode & 0o777, 0o600);
  assert.ok(!readFileSync(path.join(stackDir, 'state.json'), 'utf8').includes(key), 'not in state.json');

  const anonymous = await post({});
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { code: string }).code, 'UNAUTHORIZED');
  assert.equal((await post({ authorization: `Bearer ${key}` })).status, 201);
  const log = readFileSync(path.join(stackDir, 'logs', 'purchase.log'), 'utf8');
  assert.match(log, /"audit":"purchase_unauthorized"/);
  assert.ok(!log.includes(key), 'the key is never logged');
});

test('the demo sends the stack key with every purchase and its ledger check holds', async () => {
  const key = readStackApiKey(stackDir)!;
  const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'loadtest', 'dist', 'demo.js')], {
    env: { ...env, STORES: '8', PURCHASES_PER_HOUR: '2', RESULTS_DIR: resultsDir, KEEP: '1' },
    cwd: REPO_ROOT,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  assert.ok(!stdout.includes(key), 'the demo never prints the key');
  const [dir] = readdirSync(resultsDir).filter((d) => d.includes('demo-8'));
  assert.ok(dir, `no demo run under ${resultsDir}: ${readdirSync(resultsDir).join(', ')}`);
  const summaryText = readFileSync(path.join(resultsDir, dir, 'summary.json'), 'utf8');
  assert.ok(!summaryText.includes(key), 'the record never holds the key');
  const summary = JSON.parse(summaryText) as RunSummary;
  assert.equal(summary.load.purchases.ok, 8 * 2 * 9);
  assert.equal(summary.load.purchases.failed, 0);
  assert.ok(summary.invariantsHold, JSON.stringify(summary.verify));
});
