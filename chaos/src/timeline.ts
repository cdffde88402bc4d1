/**
 * Per-second series of a run, built from the load runner's per-attempt records and the consumer's
 * sampled metrics: what the timeline plot draws and what recovery times are computed from.
 */

/** Status 0 is a network error or timeout (no answer). */
export interface AttemptOutcome {
  /** Epoch ms when the answer (or the error) came. */
  readonly endMs: number;
  readonly status: number;
  readonly retryAfterMs?: number | undefined;
  /** 1 for a purchase's first attempt. */
  readonly attempt: number;
}

export interface Totals {
  attempts: number;
  acknowledged: number;
  /** Purchases acknowledged on their first attempt. */
  acknowledgedFirstTry: number;
  unavailable: number;
  network: number;
  /** 5xx other than 503: never allowed. */
  serverErrors: number;
  /** 503 without Retry-After: never allowed. */
  unavailableWithoutRetryAfter: number;
  /** 4xx: the load runner's requests are valid, so never expected. */
  clientErrors: number;
}

export interface Second {
  /** Seconds since the load started. */
  readonly t: number;
  attempts: number;
  acknowledged: number;
  /** 503 with Retry-After: an unavailable dependency, the only 5xx allowed. */
  unavailable: number;
  /** No answer: connection refused or reset (a killed worker), or a timeout. */
  network: number;
  /** Any other non-201 answer (4xx, 5xx other than 503, a 503 without Retry-After). */
  other: number;
}

export class Timeline {
  readonly #startMs: number;
  readonly #seconds: Second[] = [];
  readonly totals: Totals = {
    attempts: 0,
    acknowledged: 0,
    acknowledgedFirstTry: 0,
    unavailable: 0,
    network: 0,
    serverErrors: 0,
    unavailableWithoutRetryAfter: 0,
    clientErrors: 0,
  };

  constructor(startMs: number) {
    this.#startMs = startMs;
  }

  get startMs(): number {
    return this.#startMs;
  }

  add(outcome: AttemptOutcome): void {
    const t = Math.max(0, Math.floor((outcome.endMs - this.#startMs) / 1000));
    while (this.#seconds.length <= t) {
      this.#seconds.push({
        t: this.#seconds.length,
        attempts: 0,
        acknowledged: 0,
        unavailable: 0,
        network: 0,
        other: 0,
      });
    }
    const second = this.#seconds[t]!;
    second.attempts += 1;
    const kind = classify(outcome);
    if (kind === 'acknowledged') second.acknowledged += 1;
    else second[kind] += 1;
    const totals = this.totals;
    totals.attempts += 1;
    if (kind === 'acknowledged') {
      totals.acknowledged += 1;
      if (outcome.attempt === 1) totals.acknowledgedFirstTry += 1;
    } else if (kind === 'unavailable') totals.unavailable += 1;
    else if (kind === 'network') totals.network += 1;
    else if (outcome.status === 503) totals.unavailableWithoutRetryAfter += 1;
    else if (outcome.status >= 500) totals.serverErrors += 1;
    else totals.clientErrors += 1;
  }

  /** Acknowledgements per second, second 0 … the last (partial) second. */
  acknowledgedPerSecond(): number[] {
    return this.#seconds.map((s) => s.acknowledged);
  }

  seconds(): readonly Second[] {
    return this.#seconds;
  }
}

export type OutcomeClass = 'acknowledged' | 'unavailable' | 'network' | 'other';

export function classify(outcome: {
  readonly status: number;
  readonly retryAfterMs?: number | undefined;
}): OutcomeClass {
  if (outcome.status === 201) return 'acknowledged';
  if (outcome.status === 0) return 'network';
  if (outcome.status === 503 && outcome.retryAfterMs !== undefined) return 'unavailable';
  return 'other';
}

/** A cumulative counter sampled over time (it restarts at 0 when its process restarts). */
export interface CounterSample {
  readonly tMs: number;
  readonly value: number;
}

/**
 * Per-second rate of a sampled counter, robust to restarts: a value below the previous one means the
 * process restarted, and the new value is the increase since then.
 */
export function counterRates(samples: readonly CounterSample[]): { t: number; perSecond: number }[] {
  const out: { t: number; perSecond: number }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = (b.tMs - a.tMs) / 1000;
    if (dt <= 0) continue;
    const increase = b.value >= a.value ? b.value - a.value : b.value;
    out.push({ t: b.tMs / 1000, perSecond: increase / dt });
  }
  return out;
}
