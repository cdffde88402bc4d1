/**
 * The state of one k6 shim VU worker, shared by the shim's k6 modules (k6, k6/http, k6/execution,
 * k6/metrics). A VU is a worker thread: like a k6 VU it shares no memory with the others, and its
 * script calls block (http, sleep) as they do in k6.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { MetricKind } from './metrics.js';
import type { HttpReplyMessage, HttpRequestMessage, VuAssignment, WorkerMessage } from './protocol.js';

export interface VuRuntime {
  readonly assignment: VuAssignment | undefined;
  readonly discardResponseBodies: boolean;
  /** undefined outside an iteration (the init context, setup, teardown). */
  iteration: { readonly inScenario: number } | undefined;
  iterationsCompleted(): number;
  request(request: HttpRequestMessage): HttpReplyMessage;
  sleepMs(ms: number): void;
  define(name: string, kind: MetricKind): void;
  sample(name: string, value: number): void;
}

let current: VuRuntime | undefined;

export function runtime(): VuRuntime {
  if (!current) throw new Error('k6 shim modules only run inside a shim VU worker');
  return current;
}

export function createRuntime(options: {
  readonly assignment: VuAssignment | undefined;
  readonly discardResponseBodies: boolean;
  readonly counters: Int32Array;
  readonly signal: Int32Array;
  readonly httpPort: MessagePort;
  readonly post: (message: WorkerMessage) => void;
}): VuRuntime {
  const { counters, signal, httpPort, post } = options;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  current = {
    assignment: options.assignment,
    discardResponseBodies: options.discardResponseBodies,
    iteration: undefined,
    iterationsCompleted: () => Atomics.load(counters, 0),
    request(request) {
      Atomics.store(signal, 0, 0);
      httpPort.postMessage(request);
      for (;;) {
        Atomics.wait(signal, 0, 0, 1000);
        const reply = receiveMessageOnPort(httpPort);
        if (reply) return reply.message as HttpReplyMessage;
      }
    },
    sleepMs(ms) {
      if (ms > 0) Atomics.wait(pause, 0, 0, ms);
    },
    define: (name, kind) => post({ type: 'define', name, kind }),
    sample: (name, value) => post({ type: 'sample', name, value }),
  };
  return current;
}
