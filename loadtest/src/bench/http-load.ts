/**
 * The component benchmarks' HTTP load generator: `clients` concurrent clients over an undici
 * keep-alive pool (one connection each), closed-loop (each sends its next request when the last one
 * answered) or paced at a fixed rate per client. A warm-up is sent unrecorded, then a measured window:
 * a duration, or a number of requests. Every HTTP answer's latency goes into a LatencyLog per request
 * name; answers and transport errors are counted per name and status.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { LatencyLog } from '../stats.js';

export interface BenchRequest {
  /** What the request's latency and statuses are recorded under, e.g. `GET /items/store`. */
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** A JSON body. */
  readonly body?: string;
  /** Headers of this request only (beside the load's `headers`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpLoadOptions {
  readonly baseUrl: string;
  readonly clients: number;
  /** Sent, not recorded (requests sent then count toward `requests`). */
  readonly warmupMs: number;
  /** The measured window, unless `requests` is given. */
  readonly durationMs?: number;
  /** Measure until this many requests (warm-up included) have been answered, instead of a duration. */
  readonly requests?: number;
  readonly next: () => BenchRequest;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Requests per second per client; 0 (default): closed loop. Paced, a request's latency counts from
   * when it was due (see RequestClock).
   */
  readonly ratePerClient?: number;
  /** CPU seconds used so far by named processes, read when the measured window starts and ends. */
  readonly cpuSeconds?: () => Readonly<Record<string, number>>;
}

export interface HttpLoadResult {
  /** Length of the measured window. */
  readonly seconds: number;
  /** Latency (ms) of every HTTP answer in the window, whatever its status, per request name. */
  readonly samples: ReadonlyMap<string, LatencyLog>;
  /** Attempts in the window per `${name} ${status}`; a transport error's status is `error:<code>`. */
  readonly statuses: ReadonlyMap<string, number>;
  /** CPU seconds this process used over the window (user + system, every thread). */
  readonly loadGeneratorCpuSeconds: number;
  /** CPU seconds each process named by `cpuSeconds` used over the window. */
  readonly cpuSeconds: Readonly<Record<string, number>>;
}

/**
 * When a client sends. Closed loop: now, and latency counts from the send. Paced at `ratePerClient`
 * (> 0): at fixed intervals from a random phase, and a request's latency counts from when it was due,
 * not from when it was sent, so a client that fell behind a slow answer charges the wait to the next
 * requests (coordinated omission corrected, as wrk2 does). Timer lateness counts too, so the figures
 * err on the slow side.
 */
export class RequestClock {
  readonly #interval: number;
  #due: number;

  constructor(ratePerClient: number, nowMs: number, random: number) {
    this.#interval = ratePerClient > 0 ? 1000 / ratePerClient : 0;
    this.#due = nowMs + random * this.#interval;
  }

  /** How long to wait before the next request may be sent (0: at once). */
  waitMs(nowMs: number): number {
    return this.#interval > 0 ? Math.max(0, this.#due - nowMs) : 0;
  }

  /** Takes the next request, sent at `nowMs`; returns the time its latency counts from. */
  take(nowMs: number): number {
    if (this.#interval === 0) return nowMs;
    const due = this.#due;
    this.#due += this.#interval;
    return due;
  }
}

/**
 * Waits until the clock's next request is due. Node's timers count whole milliseconds from the event
 * loop's cached clock, so one can fire up to a millisecond before the time asked for; sending then
 * would count a latency from a due time still ahead, too low. So it sleeps again until that time has
 * passed.
 */
export async function untilDue(clock: RequestClock): Promise<void> {
  for (let wait = clock.waitMs(performance.now()); wait > 0; wait = clock.waitMs(performance.now())) {
    await sleep(wait);
  }
}

/** The difference of two `cpuSeconds()` readings, per name. */
function cpuUsed(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, value]) => [name, value - (before[name] ?? 0)]),
  );
}

export async function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const { clients, next, headers = {}, ratePerClient = 0, requests } = options;
  const pool = new Pool(options.baseUrl, { connections: clients, pipelining: 1, keepAliveTimeout: 30_000 });
  const samples = new Map<string, LatencyLog>();
  const statuses = new Map<string, number>();
  const jsonHeaders = { 'content-type': 'application/json', ...headers };
  let recording = false;
  let stop = false;
  let sent = 0;

  const client = async () => {
    const clock = new RequestClock(ratePerClient, performance.now(), Math.random());
    while (!stop && (requests === undefined || sent < requests)) {
      if (clock.waitMs(performance.now()) > 0) {
        await untilDue(clock);
        if (stop) break;
      }
      const request = next();
      sent += 1;
      const start = clock.take(performance.now());
      let status: string;
      try {
        const response = await pool.request({
          path: request.path,
          method: request.method,
          headers: {
            ...(request.body === undefined ? headers : jsonHeaders),
            ...request.headers,
          },
          body: request.body,
        });
        await response.body.dump();
        status = String(response.statusCode);
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        status = `error:${code ?? message}`;
      }
      const ms = performance.now() - start;
      if (recording) {
        const key = `${request.name} ${status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        // Every HTTP answer counts (a 503 after a deadline is an answer the client waited for);
        // transport errors have no meaningful latency and are only counted.
        if (!status.startsWith('error')) {
          let log = samples.get(request.name);
          if (!log) samples.set(request.name, (log = new LatencyLog()));
          log.push(ms);
        }
      }
      // A refused connection fails at once: do not spin on it.
      if (status.startsWith('error')) await sleep(10);
    }
  };

  const loops = Array.from({ length: clients }, client);
  const all = Promise.all(loops);
  if (options.warmupMs > 0) await sleep(options.warmupMs);
  recording = true;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const othersBefore = options.cpuSeconds?.() ?? {};
  if (requests === undefined) await sleep(options.durationMs ?? 0);
  else await all;
  recording = false;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const othersAfter = options.cpuSeconds?.() ?? {};
  stop = true;
  await all;
  await pool.close();
  return {
    seconds,
    samples,
    statuses: new Map([...statuses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    loadGeneratorCpuSeconds: (cpu.user + cpu.system) / 1e6,
    cpuSeconds: cpuUsed(othersBefore, othersAfter),
  };
}
