import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unparsableExpressions } from '../src/promtool.js';

describe('unparsableExpressions', () => {
  it('accepts valid PromQL', () => {
    assert.deepEqual(
      unparsableExpressions([
        { name: 'a', expr: 'sum by (service) (rate(http_requests_total{status=~"5.."}[30s]))' },
        { name: 'b', expr: 'histogram_quantile(0.99, sum by (le) (rate(x_bucket[1m]))) or vector(0)' },
      ]),
      [],
    );
  });

  it('names each expression that does not parse', () => {
    const failures = unparsableExpressions([
      { name: 'good', expr: 'up' },
      { name: 'unclosed', expr: 'sum(rate(up[5m])' },
      { name: 'unsubstituted variable', expr: 'rate(up[$__rate_interval])' },
    ]);
    assert.deepEqual(
      failures.map((f) => f.name),
      ['unclosed', 'unsubstituted variable'],
    );
    assert.match(failures[0]!.error, /parse/i);
  });
});
