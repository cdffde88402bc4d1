/**
 * The consumer's lag, read from its /metrics (`consumer_lag{partition}`, messages behind the log end,
 * summed over partitions), and a sampler that records it over a run for the lag-over-time plot.
 */

/** Sum of every `consumer_lag` sample in a Prometheus text exposition; undefined when absent. */
export function parseConsumerLag(text: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('consumer_lag')) continue;
    const match = /^consumer_lag(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[1]);
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

/** A Prometheus text exposition, or undefined when it cannot be read. */
export async function readMetricsText(metricsUrl: string, timeoutMs = 2000): Promise<string | undefined> {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

/** The consumer's current total lag, or undefined when its metrics cannot be read. */
export async function readConsumerLag(metricsUrl: string, timeoutMs = 2000): Promise<number | undefined> {
  const text = await readMetricsText(metricsUrl, timeoutMs);
  return text === undefined ? undefined : parseConsumerLag(text);
}

export interface LagSample {
  /** Milliseconds since the sampler started. */
  readonly tMs: number;
  readonly lag: number;
}

export interface LagSampler {
  samples(): readonly LagSample[];
  stop(): Promise<readonly LagSample[]>;
}

export function startLagSampler(metricsUrl: string, intervalMs = 1000): LagSampler {
  const samples: LagSample[] = [];
  const started = performance.now();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const tick = performance.now();
      const lag = await readConsumerLag(metricsUrl);
      if (lag !== undefined) samples.push({ tMs: Math.round(tick - started), lag });
      const wait = intervalMs - (performance.now() - tick);
      if (wait > 0 && !stopped) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    samples: () => samples,
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}
