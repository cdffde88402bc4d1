import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { METRICS_CONTENT_TYPE, metricsText } from '@tillstream/observability';

export interface HealthDeps {
  readonly registry: Registry;
  /** Kafka connected and the group joined. */
  readonly isReady: () => boolean;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * The consumer has no API, only probes and metrics; node:http is enough and keeps express out of a
 * process whose CPU belongs to the batches.
 */
export function createHealthServer(deps: HealthDeps): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = path === '/healthz' || path === '/readyz' || path === '/metrics' ? path : undefined;
    if (route === undefined) {
      json(res, 404, { message: `no route ${path}`, code: 'NOT_FOUND' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(
        res,
        405,
        { message: `${req.method} not allowed`, code: 'METHOD_NOT_ALLOWED' },
        { allow: 'GET, HEAD' },
      );
      return;
    }
    if (route === '/healthz') {
      json(res, 200, { status: 'ok' });
    } else if (route === '/readyz') {
      const ready = deps.isReady();
      json(res, ready ? 200 : 503, ready ? { status: 'ready' } : { status: 'not ready', code: 'NOT_READY' });
    } else {
      metricsText(deps.registry).then(
        (text) => {
          res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
          res.end(text);
        },
        (error: Error) => json(res, 500, { message: error.message, code: 'INTERNAL' }),
      );
    }
  });
}

export async function listenHealth(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function closeHealth(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
