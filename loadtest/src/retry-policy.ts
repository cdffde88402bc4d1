/**
 * When and how long to wait before retrying a purchase. Retries reuse the purchase's
 * Idempotency-Key, so a retry after a lost response cannot count the purchase twice.
 */

export interface RetryPolicy {
  /** Attempts per purchase, the first included. */
  readonly maxAttempts: number;
  /** Backoff before retry n is a random delay in [0, min(maxDelayMs, baseDelayMs × 2^(n-1))]. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 50,
  maxDelayMs: 2000,
});

/** Status 0 stands for a network error or timeout (no response). */
export const NETWORK_ERROR = 0;

/** Network errors and every 5xx (503 included) may succeed later; 4xx will not. */
export function isRetriable(status: number): boolean {
  return status === NETWORK_ERROR || (status >= 500 && status <= 599);
}

/** Seconds of a Retry-After header (delta-seconds form); undefined when absent or not a number. */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/**
 * The delay before the next attempt, or undefined to give up. `attempt` is the attempt that just
 * failed (1-based); `random` is in [0, 1) ("full jitter", so clients that failed together do not
 * retry together). A Retry-After from the server is a floor, still capped at maxDelayMs.
 */
export function nextRetryDelay(
  policy: RetryPolicy,
  attempt: number,
  status: number,
  retryAfter: number | undefined,
  random: number,
): number | undefined {
  if (!isRetriable(status) || attempt >= policy.maxAttempts) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random * ceiling);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfter ?? 0));
}
