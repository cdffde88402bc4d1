/**
 * The live progress display: one line rewritten in place on a terminal, a plain line every
 * `plainIntervalMs` otherwise (CI logs, pipes).
 */
import type { ProgressSnapshot } from './runner.js';

export function formatDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const minutes = Math.floor(total / 60);
  return `${String(minutes).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/** One progress line; `attemptsPerSecond` is the rate over the last interval. */
export function formatProgress(snapshot: ProgressSnapshot, attemptsPerSecond: number): string {
  const percent =
    snapshot.purchasesTotal === 0 ? 100 : (100 * snapshot.purchasesDone) / snapshot.purchasesTotal;
  return [
    `[${snapshot.phase.padEnd(7)}]`,
    `${snapshot.purchasesDone.toLocaleString('en-US')}/${snapshot.purchasesTotal.toLocaleString('en-US')}`,
    `(${percent.toFixed(1)}%)`,
    `${Math.round(attemptsPerSecond).toLocaleString('en-US')} req/s`,
    `errors ${snapshot.failedAttempts}${snapshot.failedPurchases > 0 ? ` (${snapshot.failedPurchases} purchases failed)` : ''}`,
    `p99 ${snapshot.p99Ms.toFixed(1)} ms`,
    formatDuration(snapshot.elapsedMs),
  ].join('  ');
}

export interface ProgressDisplay {
  stop(): void;
}

export function startProgress(
  read: () => ProgressSnapshot,
  out: NodeJS.WriteStream,
  options: { tickMs?: number; plainIntervalMs?: number } = {},
): ProgressDisplay {
  const tickMs = options.tickMs ?? 500;
  const plainEvery = Math.max(1, Math.round((options.plainIntervalMs ?? 10_000) / tickMs));
  let lastAttempts = 0;
  let lastAt = performance.now();
  let ticks = 0;
  const render = (final: boolean) => {
    const snapshot = read();
    const now = performance.now();
    const rate = ((snapshot.attempts - lastAttempts) * 1000) / Math.max(1, now - lastAt);
    lastAttempts = snapshot.attempts;
    lastAt = now;
    const line = formatProgress(snapshot, rate);
    if (out.isTTY) out.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (final || ++ticks % plainEvery === 0) out.write(`${line}\n`);
  };
  const timer = setInterval(() => render(false), tickMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      render(true);
    },
  };
}
