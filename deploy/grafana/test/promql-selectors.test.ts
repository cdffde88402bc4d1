import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expressionDependencies } from '../src/promql-selectors.js';

describe('expressionDependencies', () => {
  it('finds selectors with their matchers, and grouping labels', () => {
    const deps = expressionDependencies(
      'histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{route!~"/metrics|/healthz", service="store"}[30s])))',
    );
    assert.deepEqual(deps.selectors, [
      {
        metric: 'http_request_duration_seconds_bucket',
        matchers: [
          { label: 'route', op: '!~', value: '/metrics|/healthz' },
          { label: 'service', op: '=', value: 'store' },
        ],
      },
    ]);
    assert.deepEqual(deps.groupingLabels, ['service', 'le']);
  });

  it('finds bare metric names and ignores functions, keywords, numbers and durations', () => {
    const deps = expressionDependencies(
      'job:consumer_lag:sum > 1e3 and deriv(job:consumer_lag:sum[5m]) > 0 or vector(0) unless up offset 5m',
    );
    assert.deepEqual(
      deps.selectors.map((s) => s.metric),
      ['job:consumer_lag:sum', 'job:consumer_lag:sum', 'up'],
    );
  });

  it('reads the metric of a {__name__="…"} selector and the labels of on/group_left', () => {
    const deps = expressionDependencies('{__name__="a", x="1"} / on (x) group_left (y) b');
    assert.deepEqual(deps.selectors, [
      { metric: 'a', matchers: [{ label: 'x', op: '=', value: '1' }] },
      { metric: 'b', matchers: [] },
    ]);
    assert.deepEqual(deps.groupingLabels, ['x', 'y']);
  });
});
