/**
 * The machine's round-trip floor below HTTP: the same paced clients as the readers, each on its own
 * loopback TCP connection to a separate Node process that echoes what it gets. A round trip here costs
 * two wake-ups and two socket writes, without HTTP parsing, express or a database: what is left of a
 * read's latency once everything a service does is taken away.
 *
 *   node loadtest/dist/bench/tcp-echo.js   → the echo server; prints its port on stdout
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { runIfEntry } from '../entry.js';
import { REPO_ROOT } from '../paths.js';
import { LatencyLog } from '../stats.js';
import { latencyPercentiles, type PercentileSummary } from './figures.js';
import { RequestClock, untilDue } from './http-load.js';

/** About the size of a GET request line with its headers. */
const MESSAGE = Buffer.alloc(128, 'x');

export interface TcpEchoOptions {
  readonly clients: number;
  /** Round trips per second per client (> 0), paced as the readers are: latency counts from when one was due. */
  readonly ratePerClient: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Sends MESSAGE and resolves when all of its echo has come back. */
function roundTrip(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received >= MESSAGE.length) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.write(MESSAGE);
  });
}

/** Starts the echo server process, runs the paced clients against it, stops it; the latency percentiles (ms). */
export async function tcpEchoRoundTrips(options: TcpEchoOptions): Promise<PercentileSummary> {
  // The compiled server (make build), also when this module runs from its TypeScript source.
  const server = spawn(process.execPath, [path.join(REPO_ROOT, 'loadtest', 'dist', 'bench', 'tcp-echo.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      server.once('exit', (code) => reject(new Error(`tcp echo server exited with ${code}`)));
    });
    const latency = new LatencyLog();
    const recordFrom = performance.now() + options.warmupMs;
    const end = recordFrom + options.durationMs;
    const client = async () => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.setNoDelay(true);
      const clock = new RequestClock(options.ratePerClient, performance.now(), Math.random());
      for (;;) {
        await untilDue(clock);
        const now = performance.now();
        if (now >= end) break;
        const due = clock.take(now);
        await roundTrip(socket);
        if (due >= recordFrom) latency.push(performance.now() - due);
      }
      socket.destroy();
    };
    await Promise.all(Array.from({ length: options.clients }, client));
    return latencyPercentiles(latency.values());
  } finally {
    server.kill('SIGTERM');
  }
}

runIfEntry(import.meta.url, async () => {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', resolve));
  server.close();
  return 0;
});
