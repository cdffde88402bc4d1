/**
 * The purchase benchmark's calibrator, target (a): a bare express 5 route on the purchase path, with
 * the same JSON body parser and the same number of node:cluster workers as the purchase service,
 * answering 201 at once. It measures what HTTP + express cost on this machine, so the purchase
 * service's result can be read as a ratio. Run as `node loadtest/dist/bench/bare-route.js` with
 * WORKERS, PORT and HOST.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import express from 'express';

const workers = Number(process.env.WORKERS ?? 1);
const port = Number(process.env.PORT ?? 8090);
const host = process.env.HOST ?? '127.0.0.1';

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.post(
    '/purchase/:storeID/customer/:custID/date/:date',
    express.json({ limit: 64 * 1024 }),
    (_req, res) => {
      res.status(201).json({ message: 'purchase recorded', purchaseId: randomUUID() });
    },
  );
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready' });
  });
  const server = app.listen(port, host);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
