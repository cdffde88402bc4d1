/**
 * The shim's `k6/http` module: blocking requests with k6's response shape (status, canonical header
 * names, body or null, error, timings), the built-in metrics http_reqs, http_req_duration and
 * http_req_failed (from the response callback; 200–399 expected by default), and expectedStatuses.
 */
import { parseDuration } from './metrics.js';
import { runtime } from './runtime.js';

type StatusRange = { readonly min: number; readonly max: number };

export interface ExpectedStatuses {
  readonly expected: readonly (number | StatusRange)[];
}

export interface Params {
  readonly headers?: Record<string, string>;
  readonly tags?: Record<string, string>;
  readonly timeout?: string | number;
  readonly responseCallback?: ExpectedStatuses | null;
}

export interface Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly error: string;
  readonly url: string;
  readonly timings: { readonly duration: number };
  readonly request: { readonly method: string; readonly url: string; readonly body: string | null };
}

export function expectedStatuses(...statuses: (number | StatusRange)[]): ExpectedStatuses {
  return { expected: statuses };
}

const DEFAULT_EXPECTED = expectedStatuses({ min: 200, max: 399 });

function isExpected(status: number, callback: ExpectedStatuses): boolean {
  return callback.expected.some((e) =>
    typeof e === 'number' ? e === status : status >= e.min && status <= e.max,
  );
}

export function request(method: string, url: string, body?: string | null, params: Params = {}): Response {
  if (body !== undefined && body !== null && typeof body !== 'string') {
    throw new Error('the k6 shim sends string bodies only (k6 would form-encode an object)');
  }
  const vu = runtime();
  const reply = vu.request({
    method,
    url,
    body: body ?? null,
    headers: params.headers ?? {},
    timeoutMs: parseDuration(params.timeout, 60_000),
  });
  vu.sample('http_reqs', 1);
  vu.sample('http_req_duration', reply.durationMs);
  const callback = params.responseCallback === undefined ? DEFAULT_EXPECTED : params.responseCallback;
  if (callback !== null) vu.sample('http_req_failed', isExpected(reply.status, callback) ? 0 : 1);
  return {
    status: reply.status,
    headers: reply.headers,
    body: vu.discardResponseBodies ? null : reply.body,
    error: reply.error,
    url,
    timings: { duration: reply.durationMs },
    request: { method, url, body: body ?? null },
  };
}

export const get = (url: string, params?: Params) => request('GET', url, null, params);
export const post = (url: string, body?: string | null, params?: Params) =>
  request('POST', url, body, params);

export default { request, get, post, expectedStatuses };
