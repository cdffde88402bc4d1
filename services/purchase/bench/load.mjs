// A closed-loop HTTP load generator: `connections` clients, each sending its next purchase as soon as
// the previous answer arrived, over keep-alive connections. Used by bench.mjs for both targets.
import { Agent, request } from 'node:http';

/** CS6650-style purchases: a store, a customer, a date and a few items with the spec's "numberOfItems:". */
export function purchaseBodies(count, seed = 42) {
  let state = seed;
  const next = (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 1 + (state % n);
  };
  return Array.from({ length: count }, () => {
    const items = Array.from({ length: next(5) }, () => ({
      ItemID: String(next(100_000)),
      'numberOfItems:': next(10),
    }));
    return {
      path: `/purchase/${next(1_000)}/customer/${next(1_000_000)}/date/20210101`,
      body: JSON.stringify({ items }),
    };
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs `warmupSeconds` unmeasured, then `durationSeconds` measured. Returns throughput, statuses,
 * errors and latency percentiles (ms) of the measured window. `cpuSeconds()`, when given, returns the
 * CPU seconds used so far by named processes (the target, the broker); their use over the measured
 * window is reported per process and per request.
 */
export async function runLoad({ baseUrl, connections, warmupSeconds, durationSeconds, bodies, cpuSeconds }) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const statuses = {};
  const errors = {};
  const latencies = [];
  let measuring = false;
  let stopping = false;
  let cursor = 0;

  const once = (purchase) =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: purchase.path,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(purchase.body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (measuring) {
              latencies.push(performance.now() - started);
              statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            }
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        if (measuring) errors[error.code ?? error.message] = (errors[error.code ?? error.message] ?? 0) + 1;
        setTimeout(resolve, 10);
      });
      req.end(purchase.body);
    });

  const client = async () => {
    while (!stopping) await once(bodies[cursor++ % bodies.length]);
  };
  const clients = Array.from({ length: connections }, client);
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  measuring = true;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const othersBefore = cpuSeconds?.() ?? {};
  await new Promise((r) => setTimeout(r, durationSeconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const othersAfter = cpuSeconds?.() ?? {};
  stopping = true;
  await Promise.all(clients);
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const answered = latencies.length;
  const ok = statuses[201] ?? 0;
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  // CPU milliseconds per answered request, by process (the load generator is this process).
  const micro = (ms) => Math.round(ms * 1000) / 1000;
  const cpuMsPerRequest = { 'load generator': micro((cpu.user + cpu.system) / 1e3 / Math.max(1, answered)) };
  for (const [name, after] of Object.entries(othersAfter)) {
    cpuMsPerRequest[name] = micro(((after - (othersBefore[name] ?? 0)) * 1e3) / Math.max(1, answered));
  }
  return {
    seconds: round(elapsed),
    requests: answered,
    created: ok,
    throughput: round(ok / elapsed),
    statuses,
    errors,
    nonCreated: answered - ok + Object.values(errors).reduce((a, b) => a + b, 0),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies.at(-1) ?? null),
    },
    loadGeneratorCpuPercent: round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100),
    cpuMsPerRequest,
  };
}
