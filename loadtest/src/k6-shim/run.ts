/**
 * Runs a k6 script under the k6 shim: a small Node implementation of exactly the k6 APIs
 * loadtest/k6/purchases.js uses (k6/http requests, sleep and check, per-vu-iterations scenarios,
 * custom metrics, thresholds, __ENV/__VU/__ITER, k6/execution's VU, scenario and instance counters).
 * Each VU is a worker thread whose http and sleep calls block, as in k6; the HTTP itself is made by
 * this (controller) thread with fetch. Returns the summary `k6 run --summary-export` would write.
 * What only a real k6 shows is listed in loadtest/README.md.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { canonicalHeaderName, MetricStore, summarize, type SummaryExport } from './metrics.js';
import type {
  HttpReplyMessage,
  HttpRequestMessage,
  VuAssignment,
  WorkerMessage,
  WorkerRole,
} from './protocol.js';
import { planScenarios, type K6Options, type PlannedScenario } from './scenarios.js';

export interface K6ShimRun {
  readonly script: string;
  /** The script's __ENV (the shim does not add the process environment). */
  readonly env: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

export interface K6ShimResult {
  readonly summary: SummaryExport;
  /** `metric: expression` of every threshold crossed. */
  readonly crossed: readonly string[];
  /** Exceptions thrown by the script (k6 would log them and go on). */
  readonly errors: readonly string[];
  /** Scenarios stopped at maxDuration + gracefulStop before their VUs finished. */
  readonly interrupted: readonly string[];
  /** k6's: 99 when a threshold was crossed, else 0. */
  readonly exitCode: number;
}

const extension = path.extname(fileURLToPath(import.meta.url));
const sibling = (name: string) => new URL(`./${name}${extension}`, import.meta.url);

const MODULES: Readonly<Record<string, string>> = {
  k6: sibling('k6').href,
  'k6/http': sibling('k6-http').href,
  'k6/execution': sibling('k6-execution').href,
  'k6/metrics': sibling('k6-metrics').href,
};

async function send(request: HttpRequestMessage): Promise<HttpReplyMessage> {
  const started = performance.now();
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[canonicalHeaderName(name)] = value));
    return { status: response.status, headers, body, durationMs: performance.now() - started, error: '' };
  } catch (error) {
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
    return { status: 0, headers: {}, body: null, durationMs: performance.now() - started, error: reason };
  }
}

// Run from TypeScript sources (the tests), a worker registers tsx itself before loading vu.ts:
// Node 20 does not apply the parent's --import hooks to a worker's entry module.
const WORKER_ENTRY =
  extension === '.ts'
    ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(sibling('vu').href)}); })`
    : sibling('vu');

interface Spawned {
  readonly worker: Worker;
  readonly done: Promise<{ readonly code: number; readonly result: unknown }>;
}

export async function runK6Script(run: K6ShimRun): Promise<K6ShimResult> {
  const scriptUrl = pathToFileURL(path.resolve(run.script)).href;
  const counters = new SharedArrayBuffer(4);
  const metrics = new MetricStore();
  const errors: string[] = [];
  let discardResponseBodies = false;

  const spawn = (role: WorkerRole, extra: { vu?: VuAssignment; data?: unknown } = {}): Spawned => {
    const signal = new SharedArrayBuffer(4);
    const wake = new Int32Array(signal);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_ENTRY, {
      eval: extension === '.ts',
      workerData: {
        role,
        scriptUrl,
        env: run.env,
        modules: MODULES,
        counters,
        signal,
        httpPort: port2,
        discardResponseBodies,
        ...extra,
      },
      transferList: [port2],
    });
    port1.on('message', (request: HttpRequestMessage) => {
      void send(request).then((reply) => {
        port1.postMessage(reply);
        Atomics.store(wake, 0, 1);
        Atomics.notify(wake, 0);
      });
    });
    let result: unknown;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'define') metrics.define(message.name, message.kind);
      else if (message.type === 'sample') metrics.add(message.name, message.value);
      else if (message.type === 'result') result = message.value;
      else errors.push(message.message);
    });
    const done = new Promise<{ code: number; result: unknown }>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('exit', (code) => {
        port1.close();
        resolve({ code, result });
      });
    });
    return { worker, done };
  };

  const once = async (role: WorkerRole, data?: unknown): Promise<unknown> => {
    const { code, result } = await spawn(role, { data }).done;
    if (code !== 0) throw new Error(`k6 shim: ${role} failed:\n${errors.join('\n')}`);
    return result;
  };

  const started = performance.now();
  const options = (await once('options')) as K6Options;
  const scenarios = planScenarios(options);
  discardResponseBodies = options.discardResponseBodies ?? false;
  const data = await once('setup');
  const interrupted: string[] = [];
  const runScenario = async (scenario: PlannedScenario) => {
    await sleep(scenario.startMs);
    const vus = Array.from({ length: scenario.vus }, (_, i) =>
      spawn('vu', {
        data,
        vu: {
          idInTest: scenario.firstVuId + i,
          scenario: scenario.name,
          executor: scenario.executor,
          exec: scenario.exec,
          iterations: scenario.iterations,
          tags: scenario.tags,
        },
      }),
    );
    const finished = Promise.all(vus.map((v) => v.done));
    const deadline = sleep(scenario.maxDurationMs + scenario.gracefulStopMs, 'deadline' as const, {
      ref: false,
    });
    if ((await Promise.race([finished, deadline])) === 'deadline') {
      interrupted.push(scenario.name);
      await Promise.all(vus.map((v) => v.worker.terminate()));
    }
  };
  await Promise.all(scenarios.map(runScenario));
  await once('teardown', data);

  const durationMs = performance.now() - started;
  const { summary, crossed } = summarize(
    metrics,
    options.thresholds ?? {},
    durationMs,
    options.summaryTrendStats ?? undefined,
  );
  for (const line of crossed) run.log?.(`threshold crossed: ${line}`);
  return { summary, crossed, errors, interrupted, exitCode: crossed.length > 0 ? 99 : 0 };
}
