// rules/*.yml: valid for promtool, every alert unit-tested (alerts.test.yml), labelled and documented.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  PROMETHEUS_DIR,
  RULES_DIR,
  UPSTREAM_PROMTOOL,
  promtool,
  upstreamPromtoolAvailable,
} from '../src/promtool.js';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith('.yml'));
const rules: Rule[] = ruleFiles.flatMap((f) =>
  (parse(readFileSync(path.join(RULES_DIR, f), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  ),
);
const alerts = rules.filter((r) => r.alert);
const doc = readFileSync(path.join(PROMETHEUS_DIR, '..', '..', 'docs', 'observability.md'), 'utf8');

describe('rules/*.yml', () => {
  it('pass promtool check rules', () => {
    const result = promtool(['check', 'rules', ...ruleFiles.map((f) => path.join('rules', f))]);
    assert.ok(result.ok, result.output);
  });

  it('alert as specified: promtool test rules on test/alerts.test.yml', () => {
    const result = promtool(['test', 'rules', path.join('test', 'alerts.test.yml')]);
    assert.ok(result.ok, result.output);
  });

  // Compose and Kubernetes run a newer Prometheus than Debian's; rule evaluation must not depend on it.
  it(
    'alert as specified on an upstream promtool too',
    {
      skip: upstreamPromtoolAvailable()
        ? false
        : `no ${UPSTREAM_PROMTOOL}: run deploy/prometheus/install-promtool.sh`,
    },
    () => {
      const result = promtool(['test', 'rules', path.join('test', 'alerts.test.yml')], UPSTREAM_PROMTOOL);
      assert.ok(result.ok, result.output);
    },
  );

  it('cover the required alerts', () => {
    const names = alerts.map((a) => a.alert);
    for (const required of [
      'HttpErrorRatioHigh',
      'PurchaseLatencyP99AboveSlo',
      'StoreLatencyP99AboveSlo',
      'ConsumerLagGrowing',
      'ShardDown',
      'KafkaProducerDisconnected',
      'KafkaConsumerDisconnected',
      'TargetDown',
      'DeadLetterEvents',
    ]) {
      assert.ok(names.includes(required), `missing alert ${required}`);
    }
  });

  it('have a unit test for every alert', () => {
    const tests = readFileSync(path.join(PROMETHEUS_DIR, 'test', 'alerts.test.yml'), 'utf8');
    for (const alert of alerts) assert.match(tests, new RegExp(`alertname: ${alert.alert}\\b`), alert.alert);
  });

  it('give every alert a severity and a runbook section that exists in docs/observability.md', () => {
    for (const alert of alerts) {
      assert.ok(['critical', 'warning'].includes(alert.labels?.severity ?? ''), `${alert.alert} severity`);
      const runbook = alert.annotations?.runbook ?? '';
      assert.equal(runbook, `docs/observability.md#${alert.alert!.toLowerCase()}`);
      assert.match(
        doc,
        new RegExp(`^#+ ${alert.alert}$`, 'm'),
        `docs/observability.md has no heading ${alert.alert}`,
      );
    }
  });

  it('only use recording rules that are defined', () => {
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    for (const rule of rules) {
      for (const [name] of rule.expr.matchAll(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g)) {
        assert.ok(recorded.has(name), `${rule.alert ?? rule.record} uses ${name}, which no rule records`);
      }
    }
  });
});
