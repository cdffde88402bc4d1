/**
 * One k6 shim worker: evaluates the script with the shim's k6 modules in place of k6's, then reports
 * its options, runs setup or teardown, or runs one VU's iterations (role in workerData).
 */
import { register } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { createRuntime } from './runtime.js';
import { ITERATIONS_COMPLETED, type WorkerData, type WorkerMessage } from './protocol.js';

// Resolves `k6` and `k6/*` to the shim's modules; a k6 module the shim lacks fails the import by name.
const HOOKS = `
let modules = {};
export function initialize(data) { modules = data.modules; }
export function resolve(specifier, context, next) {
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    const url = modules[specifier];
    if (!url) throw new Error(specifier + ' is not implemented by the k6 shim (loadtest/src/k6-shim)');
    return next(url, context);
  }
  return next(specifier, context);
}`;

type Script = Record<string, unknown> & { options?: unknown };

const data = workerData as WorkerData;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
const message = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

function call(script: Script, name: string, argument?: unknown): unknown {
  const fn = script[name];
  if (typeof fn !== 'function') throw new Error(`the script exports no function ${name}`);
  return (fn as (data: unknown) => unknown)(argument);
}

async function main(): Promise<void> {
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { modules: data.modules } });
  const counters = new Int32Array(data.counters);
  const vu = createRuntime({
    assignment: data.vu,
    discardResponseBodies: data.discardResponseBodies,
    counters,
    signal: new Int32Array(data.signal),
    httpPort: data.httpPort,
    post,
  });
  Object.assign(globalThis, {
    __ENV: Object.freeze({ ...data.env }),
    __VU: data.vu?.idInTest ?? 0,
    __ITER: 0,
  });
  const script = (await import(data.scriptUrl)) as Script;
  // k6 hands options, setup data and teardown data across VUs as JSON.
  const json = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
  switch (data.role) {
    case 'options':
      post({ type: 'result', value: json(script.options ?? {}) });
      break;
    case 'setup':
      post({
        type: 'result',
        value: typeof script.setup === 'function' ? json(call(script, 'setup')) : null,
      });
      break;
    case 'teardown':
      if (typeof script.teardown === 'function') call(script, 'teardown', data.data);
      break;
    case 'vu': {
      const assignment = data.vu!;
      for (let i = 0; i < assignment.iterations; i++) {
        vu.iteration = { inScenario: i };
        (globalThis as { __ITER?: number }).__ITER = i;
        const started = performance.now();
        try {
          call(script, assignment.exec, data.data);
        } catch (error) {
          // k6 logs an iteration's exception and goes on with the next iteration.
          post({ type: 'error', message: `VU ${assignment.idInTest} iteration ${i}: ${message(error)}` });
        }
        vu.sample('iteration_duration', performance.now() - started);
        vu.sample('iterations', 1);
        Atomics.add(counters, ITERATIONS_COMPLETED, 1);
      }
      vu.iteration = undefined;
      break;
    }
  }
}

main().then(
  () => data.httpPort.close(),
  (error: unknown) => {
    post({ type: 'error', message: `${data.role}: ${message(error)}` });
    data.httpPort.close();
    process.exitCode = 1;
  },
);
