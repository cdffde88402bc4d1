import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contractViolations, parseExposition } from '../src/metrics-contract.js';

const exposed = parseExposition(`# HELP http_requests_total HTTP requests
# TYPE http_requests_total counter
http_requests_total{route="/items/store/:storeID",method="GET",status="200",service="store"} 3
http_request_duration_seconds_bucket{le="0.01",route="/x",method="GET",status="200",service="store"} 1
process_cpu_seconds_total{service="store"} 0.5
`);
const options = {
  targetLabels: ['job', 'instance'],
  ignoreMetric: (m: string) => m === 'up' || m.includes(':'),
};

describe('metrics contract', () => {
  it('parses metric names, label names and values', () => {
    assert.deepEqual(
      [...exposed.keys()],
      ['http_requests_total', 'http_request_duration_seconds_bucket', 'process_cpu_seconds_total'],
    );
    assert.deepEqual([...exposed.get('http_requests_total')!.get('status')!], ['200']);
  });

  it('accepts an expression over exposed metrics, labels and target labels', () => {
    const expr =
      'histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{route!~"/metrics", instance=~".*"}[30s])))';
    assert.deepEqual(contractViolations(expr, exposed, options), []);
  });

  it('reports a missing metric, a missing label, an unseen value and a grouping label nobody has', () => {
    assert.deepEqual(contractViolations('rate(http_request_total[1m])', exposed, options), [
      'metric http_request_total is not exposed',
    ]);
    assert.deepEqual(contractViolations('http_requests_total{shard="1"}', exposed, options), [
      'http_requests_total has no label shard',
    ]);
    assert.deepEqual(contractViolations('http_requests_total{service="stor"}', exposed, options), [
      'http_requests_total{service="stor"} is never exposed',
    ]);
    assert.deepEqual(contractViolations('sum by (partition) (process_cpu_seconds_total)', exposed, options), [
      'no selected metric has the label partition to group by',
    ]);
  });

  it('skips metrics that do not come from /metrics', () => {
    assert.deepEqual(contractViolations('up == 0 or service:http_requests:rate5m > 1', exposed, options), []);
  });
});
