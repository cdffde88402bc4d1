import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeTargets, checkTargets } from '../src/prometheus-targets.js';

const target = (scrapePool: string, health: string, n = 1) => ({
  scrapePool,
  scrapeUrl: `http://10.0.0.${n}:8080/metrics`,
  health,
  lastError: health === 'up' ? '' : 'connection refused',
});

describe('Prometheus scrape targets', () => {
  const expected = { purchase: 2, consumer: 3, prometheus: 1 };

  it('are fine when every job has its replicas and all are up', () => {
    const report = checkTargets(
      [
        target('purchase', 'up', 1),
        target('purchase', 'up', 2),
        ...[1, 2, 3].map((n) => target('consumer', 'up', n)),
        target('prometheus', 'up'),
      ],
      expected,
    );
    assert.equal(report.ok, true, report.problems.join('\n'));
    assert.deepEqual(report.jobs.consumer, [3, 3]);
  });

  it('name a target that is down, a missing replica and an unexpected job', () => {
    const report = checkTargets(
      [
        target('purchase', 'up', 1),
        target('purchase', 'down', 2),
        target('consumer', 'up', 1),
        target('prometheus', 'up'),
        target('store', 'up'),
      ],
      expected,
    );
    assert.equal(report.ok, false);
    assert.match(
      report.problems.join('\n'),
      /purchase http:\/\/10\.0\.0\.2:8080\/metrics: down connection refused/,
    );
    assert.match(report.problems.join('\n'), /consumer: 1 targets, expected 3/);
    assert.match(report.problems.join('\n'), /store: a scrape job nobody expected/);
  });

  it('reads the active targets of an API response and refuses anything else', () => {
    assert.equal(
      activeTargets({ status: 'success', data: { activeTargets: [target('x', 'up')] } }).length,
      1,
    );
    assert.throws(() => activeTargets({ status: 'error' }), /not a Prometheus/);
  });
});
