// The runner against a small local HTTP server (no mocks): retries keep the Idempotency-Key, every
// attempt is recorded, only acknowledged purchases reach the ledger, phases start as the workload says.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { Ledger } from '../src/ledger.js';
import type { AttemptRecord } from '../src/records.js';
import { LoadRun } from '../src/runner.js';
import { makeProfile, purchaseOf, purchasesPerStore, storeIdOf } from '../src/workload.js';

interface Seen {
  key: string;
  path: string;
  at: number;
}
const seen: Seen[] = [];
const attemptsByKey = new Map<string, number>();
/** Keys whose purchase always fails with 400 (not retried). */
const rejected = new Set<string>();
let url = '';
const server = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const key = String(req.headers['idempotency-key']);
    seen.push({ key, path: req.url ?? '', at: performance.now() });
    const n = (attemptsByKey.get(key) ?? 0) + 1;
    attemptsByKey.set(key, n);
    JSON.parse(body);
    if (rejected.has(key)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":"INVALID"}');
    } else if (key.endsWith('-3') && n === 1) {
      res.writeHead(503, { 'retry-after': '0' }).end('{}');
    } else {
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"purchaseId":"x"}');
    }
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server.close());

test('retries reuse the key, each attempt is recorded, the ledger holds only acknowledged purchases', async () => {
  const profile = makeProfile({ stores: 8, purchasesPerHour: 2, hours: 9 });
  rejected.add('r1-3-5'); // store 3, purchase 5: a 400, counted as failed and not retried
  const records: AttemptRecord[] = [];
  const ledger = new Ledger(profile.maxItemId);
  const run = new LoadRun({
    profile,
    targetUrl: url,
    runId: 'r1',
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    requestTimeoutMs: 5000,
    ledger,
    record: (r) => records.push(r),
  });
  const result = await run.run();
  const total = profile.stores * purchasesPerStore(profile);

  assert.equal(result.purchases.total, total);
  assert.equal(result.purchases.failed, 1);
  assert.equal(result.purchases.ok, total - 1);
  // Sequence 3 of every store failed once with 503 and was retried with the same key.
  assert.equal(attemptsByKey.get('r1-1-3'), 2);
  assert.equal(attemptsByKey.get('r1-8-3'), 2);
  assert.equal(attemptsByKey.get('r1-3-5'), 1);
  assert.equal(result.attempts.retries, profile.stores);
  assert.equal(result.attempts.total, total + profile.stores);
  assert.equal(records.length, result.attempts.total);
  assert.equal(records.filter((r) => r.attempt === 2 && r.status === 201).length, profile.stores);
  assert.equal(result.statusCounts['503'], profile.stores);
  assert.equal(result.statusCounts['400'], 1);

  // Ledger: every purchase except the rejected one.
  assert.equal(ledger.totalPurchases(), total - 1);
  assert.equal(ledger.purchases(3), purchasesPerStore(profile) - 1);
  const expected = new Ledger(profile.maxItemId);
  for (let i = 0; i < profile.stores; i++) {
    for (let s = 0; s < purchasesPerStore(profile); s++) {
      if (!(i === 2 && s === 5)) expected.add(storeIdOf(profile, i), purchaseOf(profile, i, s).items);
    }
  }
  for (let i = 0; i < profile.stores; i++) {
    assert.deepEqual(ledger.items(storeIdOf(profile, i)), expected.items(storeIdOf(profile, i)));
  }

  // Phases: central's first request comes after some east store finished 3 hours' worth (6 purchases).
  assert.deepEqual(
    result.phaseStarts.map((p) => [p.name, p.clients]),
    [
      ['east', 2],
      ['central', 2],
      ['west', 4],
    ],
  );
  const firstOf = (storeId: number) => seen.find((s) => s.path.startsWith(`/purchase/${storeId}/`))!.at;
  const sixthEast = Math.min(
    ...[1, 2].map(
      (id) => seen.filter((s) => s.path.startsWith(`/purchase/${id}/`) && s.key.endsWith('-5'))[0]!.at,
    ),
  );
  assert.ok(firstOf(3) > sixthEast, 'central started before any east store sent 3 hours');
  assert.ok(firstOf(5) > firstOf(3));
  assert.ok(result.runnerCpu.userMs > 0);
  assert.ok(result.latency.count === result.attempts.total);
});
