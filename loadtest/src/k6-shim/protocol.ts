/** What the k6 shim's controller (run.ts) and its VU workers (vu.ts) send each other. */
import type { MessagePort } from 'node:worker_threads';
import type { MetricKind } from './metrics.js';

export interface HttpRequestMessage {
  readonly method: string;
  readonly url: string;
  readonly body: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export interface HttpReplyMessage {
  /** 0 when no response arrived (connection error or timeout), as in k6. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly durationMs: number;
  readonly error: string;
}

/** init: evaluate the script and report its options; setup/teardown/vu: run those functions. */
export type WorkerRole = 'options' | 'setup' | 'vu' | 'teardown';

export interface VuAssignment {
  readonly idInTest: number;
  readonly scenario: string;
  readonly executor: string;
  readonly exec: string;
  readonly iterations: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface WorkerData {
  readonly role: WorkerRole;
  readonly scriptUrl: string;
  readonly env: Readonly<Record<string, string>>;
  /** k6 module specifier → URL of the shim module that implements it. */
  readonly modules: Readonly<Record<string, string>>;
  /** Int32Array over it: [0] iterations completed by the whole instance. */
  readonly counters: SharedArrayBuffer;
  /** Int32Array over it: [0] set to 1 by the controller when an HTTP reply is on the port. */
  readonly signal: SharedArrayBuffer;
  readonly httpPort: MessagePort;
  readonly discardResponseBodies: boolean;
  readonly vu?: VuAssignment;
  readonly data?: unknown;
}

export type WorkerMessage =
  | { readonly type: 'define'; readonly name: string; readonly kind: MetricKind }
  | { readonly type: 'sample'; readonly name: string; readonly value: number }
  | { readonly type: 'result'; readonly value: unknown }
  | { readonly type: 'error'; readonly message: string };

export const ITERATIONS_COMPLETED = 0;
