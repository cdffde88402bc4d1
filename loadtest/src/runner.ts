/**
 * The Node load runner: one closed-loop client per store over an undici keep-alive pool, phases
 * started as the workload module says, every attempt timed and recorded, acknowledged purchases
 * entered in the ledger. Per request it builds one small string body and does one pooled request;
 * latencies go into typed arrays, so the runner stays cheap next to the system it measures.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { Ledger } from './ledger.js';
import type { AttemptRecord } from './records.js';
import { NETWORK_ERROR, nextRetryDelay, retryAfterMs, type RetryPolicy } from './retry-policy.js';
import { LatencyLog, LiveHistogram, summarize, type LatencySummary } from './stats.js';
import {
  duePhases,
  idempotencyKey,
  phases,
  purchaseBody,
  purchaseOf,
  purchasePath,
  purchasesPerStore,
  storeIdOf,
  totalPurchases,
  type PhaseName,
  type WorkloadProfile,
} from './workload.js';

export interface LoadRunOptions {
  readonly profile: WorkloadProfile;
  /** Origin of the purchase service, e.g. http://127.0.0.1:8080. */
  readonly targetUrl: string;
  /** Makes this run's Idempotency-Keys unique. */
  readonly runId: string;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  /** Extra request headers (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly ledger: Ledger;
  readonly record?: (record: AttemptRecord) => void;
  /** Jitter source for retry backoff. */
  readonly random?: () => number;
  /** When aborted, each client finishes the purchase it is sending and starts no other (duration-bound runs). */
  readonly stopSignal?: AbortSignal;
}

export interface ProgressSnapshot {
  readonly phase: PhaseName;
  readonly purchasesDone: number;
  readonly purchasesTotal: number;
  readonly attempts: number;
  readonly failedAttempts: number;
  readonly failedPurchases: number;
  readonly p99Ms: number;
  readonly elapsedMs: number;
}

export interface PhaseStart {
  readonly name: PhaseName;
  readonly clients: number;
  readonly atMs: number;
}

export interface LoadRunResult {
  readonly startedAt: string;
  readonly wallMs: number;
  readonly purchases: { readonly total: number; readonly ok: number; readonly failed: number };
  readonly attempts: { readonly total: number; readonly retries: number; readonly failed: number };
  /** Attempts per HTTP status ("0" = network error or timeout). */
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Acknowledged purchases per second of wall time. */
  readonly throughputPerSecond: number;
  /** Latency of every attempt. */
  readonly latency: LatencySummary;
  readonly phaseStarts: readonly PhaseStart[];
  readonly runnerCpu: { readonly userMs: number; readonly systemMs: number; readonly coresUsed: number };
  readonly maxRssBytes: number;
}

export class LoadRun {
  readonly #options: LoadRunOptions;
  readonly #pool: Pool;
  readonly #latencies: LatencyLog;
  readonly #live = new LiveHistogram();
  readonly #statusCounts = new Map<number, number>();
  readonly #phaseStarts: PhaseStart[] = [];
  #startMs = 0;
  #done = 0;
  #ok = 0;
  #failedPurchases = 0;
  #attempts = 0;
  #failedAttempts = 0;
  #retries = 0;
  #maxCompletedByOneStore = 0;

  constructor(options: LoadRunOptions) {
    this.#options = options;
    const clients = options.profile.stores;
    this.#pool = new Pool(options.targetUrl, {
      connections: clients,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    });
    this.#latencies = new LatencyLog(Math.ceil(totalPurchases(options.profile) * 1.05));
  }

  snapshot(): ProgressSnapshot {
    return {
      phase: this.#phaseStarts.at(-1)?.name ?? 'east',
      purchasesDone: this.#done,
      purchasesTotal: totalPurchases(this.#options.profile),
      attempts: this.#attempts,
      failedAttempts: this.#failedAttempts,
      failedPurchases: this.#failedPurchases,
      p99Ms: this.#live.quantile(0.99),
      elapsedMs: this.#startMs === 0 ? 0 : performance.now() - this.#startMs,
    };
  }

  async run(): Promise<LoadRunResult> {
    const cpuBefore = process.cpuUsage();
    const startedAt = new Date().toISOString();
    this.#startMs = performance.now();
    const clients: Promise<void>[] = [];
    const startDue = () => {
      for (const phase of duePhases(
        this.#options.profile,
        this.#phaseStarts.length,
        this.#maxCompletedByOneStore,
      )) {
        this.#phaseStarts.push({
          name: phase.name,
          clients: phase.clients,
          atMs: performance.now() - this.#startMs,
        });
        for (let i = phase.firstClient; i < phase.firstClient + phase.clients; i++) {
          clients.push(this.#client(i, startDue));
        }
      }
    };
    startDue();
    // Clients are appended while earlier ones run; wait until no new ones appeared.
    for (let awaited = 0; awaited < clients.length;) {
      const upTo = clients.length;
      await Promise.all(clients.slice(awaited, upTo));
      awaited = upTo;
    }
    const wallMs = performance.now() - this.#startMs;
    const cpu = process.cpuUsage(cpuBefore);
    await this.#pool.close();
    const statusCounts: Record<string, number> = {};
    for (const [status, count] of [...this.#statusCounts].sort((a, b) => a[0] - b[0]))
      statusCounts[status] = count;
    return {
      startedAt,
      wallMs,
      purchases: { total: this.#done, ok: this.#ok, failed: this.#failedPurchases },
      attempts: { total: this.#attempts, retries: this.#retries, failed: this.#failedAttempts },
      statusCounts,
      throughputPerSecond: this.#ok / (wallMs / 1000),
      latency: summarize(this.#latencies.values()),
      phaseStarts: this.#phaseStarts,
      runnerCpu: {
        userMs: cpu.user / 1000,
        systemMs: cpu.system / 1000,
        coresUsed: (cpu.user + cpu.system) / 1000 / wallMs,
      },
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  }

  async #client(index: number, onProgress: () => void): Promise<void> {
    const { profile, runId, ledger } = this.#options;
    const storeId = storeIdOf(profile, index);
    const perStore = purchasesPerStore(profile);
    for (let sequence = 0; sequence < perStore; sequence++) {
      if (this.#options.stopSignal?.aborted) break;
      const purchase = purchaseOf(profile, index, sequence);
      const acknowledged = await this.#send(
        purchasePath(purchase),
        purchaseBody(purchase),
        idempotencyKey(runId, storeId, sequence),
      );
      this.#done += 1;
      if (acknowledged) {
        this.#ok += 1;
        ledger.add(storeId, purchase.items);
      } else {
        this.#failedPurchases += 1;
      }
      if (sequence + 1 > this.#maxCompletedByOneStore) {
        this.#maxCompletedByOneStore = sequence + 1;
        onProgress();
      }
    }
  }

  /** Sends one purchase, retrying with the same key; true when a 201 came back. */
  async #send(path: string, body: string, key: string): Promise<boolean> {
    const { retry, headers, record } = this.#options;
    const random = this.#options.random ?? Math.random;
    const requestHeaders = { 'content-type': 'application/json', 'idempotency-key': key, ...headers };
    for (let attempt = 1; ; attempt++) {
      const startTime = Date.now();
      const t0 = performance.now();
      let status = NETWORK_ERROR;
      let retryAfter: number | undefined;
      try {
        const response = await this.#pool.request({ method: 'POST', path, headers: requestHeaders, body });
        status = response.statusCode;
        if (status !== 201) retryAfter = retryAfterMs(response.headers['retry-after']);
        await response.body.dump();
      } catch {
        status = NETWORK_ERROR;
      }
      const latencyMs = performance.now() - t0;
      this.#attempts += 1;
      if (attempt > 1) this.#retries += 1;
      this.#latencies.push(latencyMs);
      this.#live.record(latencyMs);
      this.#statusCounts.set(status, (this.#statusCounts.get(status) ?? 0) + 1);
      record?.({ startTime, type: 'POST', latencyMs, status, attempt, retryAfterMs: retryAfter });
      if (status === 201) return true;
      this.#failedAttempts += 1;
      const delay = nextRetryDelay(retry, attempt, status, retryAfter, random());
      if (delay === undefined) return false;
      await sleep(delay);
    }
  }
}

/** The phases of a profile with their client counts, for reports. */
export function describePhases(profile: WorkloadProfile): string {
  return phases(profile)
    .map((p) => `${p.name} ${p.clients}${p.startAfterPurchases > 0 ? ` after ${p.startAfterPurchases}` : ''}`)
    .join(', ');
}
