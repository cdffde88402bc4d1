import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dashboardQueries,
  defaultVariableValues,
  substitute,
  undefinedVariables,
  type DashboardJson,
} from '../src/queries.js';

const intervals = { rateInterval: '30s', range: '15m' };

const model: DashboardJson = {
  uid: 'd',
  title: 'D',
  templating: {
    list: [
      { name: 'instance', type: 'query', includeAll: true, allValue: '.*', current: { value: ['$__all'] } },
      { name: 'stat', type: 'query', current: { value: 'p95' } },
    ],
  },
  panels: [
    {
      id: 1,
      type: 'row',
      title: 'row',
      panels: [
        {
          id: 2,
          type: 'timeseries',
          title: 'in row',
          targets: [{ refId: 'A', expr: 'up{instance=~"$instance"}' }],
        },
      ],
    },
    {
      id: 3,
      type: 'stat',
      title: 'top level',
      targets: [
        { refId: 'A', expr: 'rate(x_$stat{i=~"${instance}"}[$__rate_interval])' },
        { refId: 'B', expr: 'hidden', hide: true },
      ],
    },
  ],
};

describe('queries', () => {
  it('substitutes All as its regex and other variables as their current value', () => {
    assert.deepEqual(
      defaultVariableValues(model),
      new Map([
        ['instance', '.*'],
        ['stat', 'p95'],
      ]),
    );
  });

  it('replaces every variable form and the interval variables', () => {
    const vars = new Map([['instance', 'a:1']]);
    assert.equal(
      substitute(
        'f{i="$instance",j="${instance}",k="[[instance]]"}[$__rate_interval] $__range',
        vars,
        intervals,
      ),
      'f{i="a:1",j="a:1",k="a:1"}[30s] 15m',
    );
  });

  it('leaves an unknown variable in place (the query then fails, as in Grafana)', () => {
    assert.equal(substitute('x_$instances', new Map([['instance', 'a']]), intervals), 'x_$instances');
  });

  it('lists every visible target of every panel, row children included', () => {
    assert.deepEqual(
      dashboardQueries(model, intervals).map((q) => [q.panelId, q.refId, q.expr]),
      [
        [2, 'A', 'up{instance=~".*"}'],
        [3, 'A', 'rate(x_p95{i=~".*"}[30s])'],
      ],
    );
  });

  it('finds variables used but not defined', () => {
    const broken = { ...model, templating: { list: [] } };
    assert.deepEqual(undefinedVariables(broken).sort(), ['instance', 'stat']);
  });
});
