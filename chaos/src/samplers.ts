/**
 * What is sampled beside the load: the consumer's /metrics every second (total lag, purchases written)
 * and a light reader of the Store API (a few GETs a second for the run's stores), whose answers count
 * towards the "no 5xx but 503 with Retry-After" invariant.
 */
import { parseConsumerLag } from '@tillstream/loadtest/consumer-lag';
import type { CounterSample } from './timeline.js';

/** Value of an unlabelled counter/gauge (summed over label sets) in a Prometheus text exposition. */
export function parseMetric(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`).exec(line);
    const value = Number(match?.[1]);
    if (match && Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

export interface ConsumerSample {
  /** ms since the sampler's start (the load's start). */
  readonly tMs: number;
  readonly lag: number;
  readonly rowsWritten: number;
}

export interface Sampler<T> {
  samples(): readonly T[];
  stop(): Promise<readonly T[]>;
}

function loop<T>(
  intervalMs: number,
  once: (tMs: number) => Promise<T | undefined>,
  startMs: number,
): Sampler<T> {
  const samples: T[] = [];
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const tick = Date.now();
      const sample = await once(tick - startMs);
      if (sample !== undefined) samples.push(sample);
      const wait = intervalMs - (Date.now() - tick);
      if (wait > 0 && !stopped) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    samples: () => samples,
    async stop() {
      stopped = true;
      await running;
      return samples;
    },
  };
}

export function startConsumerSampler(
  metricsUrl: string,
  startMs: number,
  intervalMs = 1000,
): Sampler<ConsumerSample> {
  return loop(
    intervalMs,
    async (tMs) => {
      try {
        const response = await fetch(metricsUrl, {
          signal: AbortSignal.timeout(Math.max(500, intervalMs - 100)),
        });
        if (!response.ok) return undefined;
        const text = await response.text();
        const lag = parseConsumerLag(text);
        const rows = parseMetric(text, 'consumer_rows_written_total');
        return lag === undefined ? undefined : { tMs, lag, rowsWritten: rows ?? 0 };
      } catch {
        return undefined; // the consumer is down or stopped: a gap in the series
      }
    },
    startMs,
  );
}

export interface ReadSample {
  readonly tMs: number;
  /** 0: no answer. */
  readonly status: number;
  readonly retryAfter: boolean;
}

/** Reads `GET /items/store/:id` for stores from `storeIds()` every `intervalMs`. */
export function startStoreReader(
  storeUrl: string,
  storeIds: () => readonly number[],
  startMs: number,
  intervalMs = 200,
): Sampler<ReadSample> {
  let next = 0;
  return loop(
    intervalMs,
    async (tMs) => {
      const ids = storeIds();
      if (ids.length === 0) return undefined;
      const id = ids[next++ % ids.length]!;
      try {
        const response = await fetch(`${storeUrl}/items/store/${id}`, { signal: AbortSignal.timeout(5000) });
        await response.arrayBuffer();
        return { tMs, status: response.status, retryAfter: response.headers.has('retry-after') };
      } catch {
        return { tMs, status: 0, retryAfter: false };
      }
    },
    startMs,
  );
}

export function rowsWritten(samples: readonly ConsumerSample[]): CounterSample[] {
  return samples.map((s) => ({ tMs: s.tMs, value: s.rowsWritten }));
}
