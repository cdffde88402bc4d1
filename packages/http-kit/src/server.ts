import { createServer, type Server } from 'node:http';
import type { Express } from 'express';

/** Listens on `port` (0 = any) and resolves with the server once bound. */
export async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = createServer(app);
  // Clients keep connections alive across many requests; outlive their idle timers a little.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/**
 * Stops accepting connections, lets in-flight requests finish, closes idle keep-alive sockets, and
 * after `graceMs` closes whatever is left.
 */
export async function closeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A keep-alive connection whose request was in flight turns idle only once answered; close it then,
  // or a client that keeps its connection open holds the shutdown for the whole grace period.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearInterval(sweep);
  clearTimeout(timer);
}

/** The port a listening server is bound to. */
export function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not listening on TCP');
  return address.port;
}
