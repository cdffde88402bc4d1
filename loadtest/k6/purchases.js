// The CS6650 client profile as k6 scenarios, from the same workload module as the Node runner
// (loadtest/src/workload.ts, compiled to loadtest/dist/workload.js: run `npx tsc -b loadtest` first,
// or use `make k6`). Options are environment variables, documented in loadtest/README.md.
// Type-checked against @types/k6 (loadtest/k6/tsconfig.json, part of `npx tsc -b`).
//
// Phases: one scenario each (east, central, west), every VU one store sending its purchases one
// after another. k6 VUs share no memory, so a phase cannot see "a store has sent 3 hours' worth";
// its VUs wait until the purchases completed by the whole instance reach the total at which that
// happens when every running store progresses at the same rate (workload.phaseStartTotals).
// Which store ids fall in which phase is k6's choice of VUs; every store still sends exactly the
// purchases the Node runner would send for it.
import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
import {
  idempotencyKey,
  makeProfile,
  phases,
  phaseStartTotals,
  purchaseBody,
  purchaseOf,
  purchasePath,
  purchasesPerStore,
} from '../dist/workload.js';
import { nextRetryDelay } from '../dist/retry-policy.js';

/** @type {(name: string, fallback: number) => number} */
const int = (name, fallback) => (__ENV[name] ? parseInt(__ENV[name], 10) : fallback);

const profile = makeProfile({
  stores: int('STORES', 256),
  customersPerStore: int('CUSTOMERS_PER_STORE', 1000),
  maxItemId: int('MAX_ITEM_ID', 100000),
  purchasesPerHour: int('PURCHASES_PER_HOUR', 300),
  itemsPerPurchase: int('ITEMS_PER_PURCHASE', 5),
  quantityPerItem: int('QUANTITY_PER_ITEM', 1),
  date: __ENV.PURCHASE_DATE || '20210101',
  hours: int('HOURS', 9),
  seed: int('SEED', 6650),
  storeIdBase: int('STORE_ID_BASE', 0),
  firstStoreNumber: __ENV.STORES_FROM === '0' ? 0 : 1,
});
const target = __ENV.PURCHASE_URL || 'http://127.0.0.1:8080';
const retry = {
  maxAttempts: int('MAX_ATTEMPTS', 6),
  baseDelayMs: int('RETRY_BASE_DELAY_MS', 50),
  maxDelayMs: int('RETRY_MAX_DELAY_MS', 2000),
};
const startTotals = phaseStartTotals(profile);
const perStore = purchasesPerStore(profile);

const acknowledged = new Counter('purchases_acknowledged');
const failed = new Counter('purchases_failed');

export const options = {
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)'],
  scenarios: Object.fromEntries(
    phases(profile).map((phase) => [
      phase.name,
      {
        executor: 'per-vu-iterations',
        vus: phase.clients,
        iterations: perStore,
        maxDuration: __ENV.MAX_DURATION || '6h',
        gracefulStop: '30s',
        exec: 'store',
        tags: { phase: phase.name },
      },
    ]),
  ),
  thresholds: {
    http_req_failed: ['rate<0.001'],
    http_req_duration: [`p(99)<${int('P99_MS', 1000)}`],
    purchases_failed: ['count<1'],
  },
};

// The purchase service's bearer key (deployments authenticate writes). A comma-separated list, as in
// PURCHASE_API_KEYS, sends its first key; unset sends none (a service with PURCHASE_AUTH=off).
const apiKey = ((__ENV.API_KEY || '').split(',')[0] ?? '').trim();

/** @type {(key: string) => import('k6/http').Params} */
const params = (key) => ({
  headers: {
    'content-type': 'application/json',
    'idempotency-key': key,
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  },
  // One name for every purchase URL: the URLs carry store and customer ids, which must not become
  // metric series (k6 would keep one per URL, and so would Prometheus).
  tags: { name: 'POST /purchase/{storeID}/customer/{custID}/date/{date}' },
  responseCallback: http.expectedStatuses(201),
  timeout: `${int('REQUEST_TIMEOUT_MS', 30000)}ms`,
});

export function setup() {
  // One id for the whole run: makes Idempotency-Keys unique per run and equal across retries.
  return { runId: __ENV.RUN_ID || `k6-${Date.now().toString(36)}` };
}

/** @param {{ runId: string }} data what setup() returned */
export function store(data) {
  const sequence = exec.vu.iterationInScenario;
  if (sequence === 0) {
    const startAt = startTotals[/** @type {import('../dist/workload.js').PhaseName} */ (exec.scenario.name)];
    while (exec.instance.iterationsCompleted < startAt) sleep(0.1);
  }
  const index = exec.vu.idInTest - 1;
  const purchase = purchaseOf(profile, index, sequence);
  const key = idempotencyKey(data.runId, purchase.storeId, sequence);
  const body = purchaseBody(purchase);
  const url = `${target}${purchasePath(purchase)}`;
  for (let attempt = 1; ; attempt++) {
    const response = http.post(url, body, params(key));
    if (response.status === 201) {
      acknowledged.add(1);
      return;
    }
    const retryAfter = /^\d+$/.test(response.headers['Retry-After'] || '')
      ? Number(response.headers['Retry-After']) * 1000
      : undefined;
    const delay = nextRetryDelay(retry, attempt, response.status, retryAfter, Math.random());
    if (delay === undefined) {
      failed.add(1);
      return;
    }
    sleep(delay / 1000);
  }
}
