// HTTP load: N concurrent clients, closed-loop (each sends its next request when the last one answers)
// or paced at a fixed rate per client.
import { Pool } from 'undici';

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarise(samples) {
  const sorted = Float64Array.from(samples).sort();
  const round = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    p999Ms: round(percentile(sorted, 99.9)),
    maxMs: round(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

/**
 * Runs `clients` loops against `baseUrl` for `warmupMs` (not recorded) then `durationMs`.
 * `next()` → {name, method, path, body?}; latencies are recorded per `name`.
 *
 * With `ratePerClient` > 0 each client is paced instead: it sends at fixed intervals (from a random
 * phase), one request at a time, and a request's latency counts from when it was due, not from when
 * it was sent — a client that fell behind a slow answer charges the wait to the next requests
 * (coordinated omission corrected, as wrk2 does). Timer lateness in this process counts too, so the
 * figures err on the slow side.
 */
export async function httpLoad({
  baseUrl,
  clients,
  warmupMs,
  durationMs,
  next,
  headers = {},
  ratePerClient = 0,
}) {
  const pool = new Pool(baseUrl, { connections: clients, pipelining: 1, keepAliveTimeout: 30_000 });
  const samples = new Map();
  const statuses = new Map();
  let recording = false;
  let stop = false;
  const interval = ratePerClient > 0 ? 1000 / ratePerClient : 0;
  const loop = async () => {
    let due = performance.now() + Math.random() * interval;
    while (!stop) {
      if (interval > 0) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (stop) break;
      }
      const request = next();
      const start = interval > 0 ? due : performance.now();
      due += interval;
      let status = 'error';
      try {
        const response = await pool.request({
          path: request.path,
          method: request.method,
          headers: request.body ? { 'content-type': 'application/json', ...headers } : headers,
          body: request.body,
        });
        await response.body.text();
        status = String(response.statusCode);
      } catch (error) {
        status = `error:${error.code ?? error.message}`;
      }
      const ms = performance.now() - start;
      if (!recording) continue;
      const key = `${request.name} ${status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      // Every HTTP answer counts (a 503 after the shard deadline is an answer the client waited for);
      // transport errors have no meaningful latency and are only counted.
      if (!status.startsWith('error')) {
        if (!samples.has(request.name)) samples.set(request.name, []);
        samples.get(request.name).push(ms);
      }
    }
  };
  const loops = Array.from({ length: clients }, loop);
  await new Promise((r) => setTimeout(r, warmupMs));
  recording = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, durationMs));
  recording = false;
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(loops);
  await pool.close();
  const byName = {};
  for (const [name, values] of samples) {
    const failed = [...statuses].filter(([key]) => key.startsWith(`${name} `) && !/ (2\d\d|404)$/.test(key));
    const failures = failed.reduce((total, [, count]) => total + count, 0);
    byName[name] = {
      ...summarise(values),
      perSecond: Math.round(values.length / seconds),
      failureRate: Math.round((failures / Math.max(1, values.length)) * 10_000) / 10_000,
    };
  }
  return { seconds, latency: byName, statuses: Object.fromEntries([...statuses].sort()) };
}
