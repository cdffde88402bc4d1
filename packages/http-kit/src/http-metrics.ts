import type { RequestHandler } from 'express';
import type { HttpMetrics } from '@tillstream/observability';

/**
 * Records RED metrics per request. The `route` label is the matched route template
 * (`/purchase/:storeID/...`) or `unmatched`, never the raw path, so cardinality stays bounded.
 */
export function httpMetricsMiddleware(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const routePath = req.route?.path as string | undefined;
      const route = routePath === undefined ? 'unmatched' : `${req.baseUrl}${routePath}`;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.observe(route, req.method, res.statusCode, seconds);
    });
    next();
  };
}
