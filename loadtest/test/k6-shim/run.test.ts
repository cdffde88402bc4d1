// The k6 shim against a local HTTP server: blocking requests in VU worker threads, k6's response
// shape, setup data, execution fields, custom metrics, thresholds and k6's exit code.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runK6Script } from '../../src/k6-shim/run.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'k6-shim-'));
const seen: { url: string; body: string; headers: http.IncomingHttpHeaders }[] = [];
let server: http.Server;
let url: string;

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ url: req.url!, body, headers: req.headers });
      const status = req.url!.startsWith('/busy') ? 503 : 201;
      res.writeHead(status, { 'retry-after': '2', 'content-type': 'text/plain' }).end(`status ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, source: string): string {
  const file = path.join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  return file;
}

test('VUs run their iterations with setup data, execution fields, blocking http and sleep, and metrics', async () => {
  seen.length = 0;
  const file = script(
    'ok',
    `
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
const sent = new Counter('sent');
const gap = new Trend('gap');
export const options = {
  discardResponseBodies: true,
  scenarios: {
    first: { executor: 'per-vu-iterations', vus: 2, iterations: 3, exec: 'go' },
    second: { executor: 'per-vu-iterations', vus: 1, iterations: 2, exec: 'go' },
  },
  thresholds: { sent: ['count==8'], http_req_failed: ['rate==0'], checks: ['rate==1'] },
};
export function setup() { return { run: __ENV.RUN_ID }; }
export function go(data) {
  const before = Date.now();
  const res = http.post(__ENV.TARGET + '/p/' + exec.scenario.name + '/' + exec.vu.idInTest + '/' + exec.vu.iterationInScenario + '/' + __VU + '/' + __ITER,
    JSON.stringify(data), { headers: { 'idempotency-key': 'k' }, responseCallback: http.expectedStatuses(201) });
  check(res, { created: (r) => r.status === 201, header: (r) => r.headers['Retry-After'] === '2', discarded: (r) => r.body === null });
  sleep(0.05);
  gap.add(Date.now() - before);
  sent.add(1);
  if (exec.instance.iterationsCompleted < 0) throw new Error('impossible');
}`,
  );
  const result = await runK6Script({ script: file, env: { TARGET: url, RUN_ID: 'r-1' } });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.crossed, []);
  assert.equal(result.exitCode, 0);
  const m = result.summary.metrics;
  assert.equal(m.iterations?.count, 8);
  assert.equal(m.http_reqs?.count, 8);
  assert.equal(m.checks?.passes, 24);
  assert.ok((m.gap?.min as number) >= 45, 'sleep blocks the VU');
  assert.deepEqual(seen.map((s) => s.url).sort(), [
    '/p/first/1/0/1/0',
    '/p/first/1/1/1/1',
    '/p/first/1/2/1/2',
    '/p/first/2/0/2/0',
    '/p/first/2/1/2/1',
    '/p/first/2/2/2/2',
    '/p/second/3/0/3/0',
    '/p/second/3/1/3/1',
  ]);
  assert.ok(seen.every((s) => s.body === '{"run":"r-1"}' && s.headers['idempotency-key'] === 'k'));
});

test('a crossed threshold gives exit code 99; unexpected statuses count as failed requests', async () => {
  const file = script(
    'busy',
    `
import http from 'k6/http';
export const options = { thresholds: { http_req_failed: ['rate<0.5'], http_req_duration: ['p(99)<60000'] } };
export default function () {
  const res = http.get(__ENV.TARGET + '/busy');
  if (res.status !== 503 || res.headers['Retry-After'] !== '2') throw new Error('unexpected ' + res.status);
}`,
  );
  const result = await runK6Script({ script: file, env: { TARGET: url } });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.crossed, ['http_req_failed: rate<0.5']);
  assert.equal(result.exitCode, 99);
  assert.equal(result.summary.metrics.http_req_failed?.value, 1);
});

test('a connection error is status 0 with an error, and script exceptions are reported', async () => {
  const file = script(
    'down',
    `
import http from 'k6/http';
export default function () {
  const res = http.get('http://127.0.0.1:9/', { timeout: '2s' });
  throw new Error('status ' + res.status + ' error ' + (res.error !== ''));
}`,
  );
  const result = await runK6Script({ script: file, env: {} });
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0]!, /status 0 error true/);
});

test('k6 APIs the shim does not implement fail loudly', async () => {
  const module = script('module', `import ws from 'k6/ws';\nexport default function () { ws.connect(); }`);
  await assert.rejects(runK6Script({ script: module, env: {} }), /k6\/ws is not implemented by the k6 shim/);
  const field = script(
    'field',
    `import exec from 'k6/execution';\nexport default function () { return exec.vu.metrics; }`,
  );
  const result = await runK6Script({ script: field, env: {} });
  assert.match(result.errors.join('\n'), /vu\.metrics is not implemented by the k6 shim/);
  const executor = script(
    'executor',
    `export const options = { scenarios: { a: { executor: 'ramping-vus' } } };\nexport default function () {}`,
  );
  await assert.rejects(runK6Script({ script: executor, env: {} }), /ramping-vus is not implemented/);
});
