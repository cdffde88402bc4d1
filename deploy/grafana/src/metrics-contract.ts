/**
 * Checks the queries of the dashboards and rules against what the services expose: every metric they
 * select appears in a real `/metrics` output, with every label they match or group by. Label values
 * matched with `=` must appear too (service="store" with a typo would otherwise just show nothing).
 */
import { expressionDependencies } from './promql-selectors.js';

/** Metric name → label name → values seen. */
export type Exposed = Map<string, Map<string, Set<string>>>;

/** Parses the Prometheus text exposition format (the sample lines; comments ignored). */
export function parseExposition(text: string, into: Exposed = new Map()): Exposed {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+\S+/.exec(line);
    if (!match) continue;
    const labels = into.get(match[1]!) ?? new Map<string, Set<string>>();
    into.set(match[1]!, labels);
    for (const m of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      const values = labels.get(m[1]!) ?? new Set<string>();
      values.add(m[2]!);
      labels.set(m[1]!, values);
    }
  }
  return into;
}

export interface ContractOptions {
  /** Labels Prometheus attaches at scrape time (job, instance, …): not in /metrics, always present. */
  readonly targetLabels: readonly string[];
  /** Metrics that do not come from /metrics: recording rules, `up`, `ALERTS`… */
  readonly ignoreMetric: (name: string) => boolean;
  /**
   * The labels whose `=` values must have been seen (default: all). Some values legitimately appear
   * only on failure (k6's expected_response="false"); a closed label like `service` must always match.
   */
  readonly valueLabels?: readonly string[];
}

/** Human-readable violations, empty when the expression only uses what is exposed. */
export function contractViolations(expr: string, exposed: Exposed, options: ContractOptions): string[] {
  const { selectors, groupingLabels } = expressionDependencies(expr);
  const violations: string[] = [];
  const target = new Set(options.targetLabels);
  const selectedLabels = new Set<string>(options.targetLabels);
  let checked = 0;
  for (const selector of selectors) {
    if (options.ignoreMetric(selector.metric)) continue;
    checked++;
    const labels = exposed.get(selector.metric);
    if (!labels) {
      violations.push(`metric ${selector.metric} is not exposed`);
      continue;
    }
    for (const name of labels.keys()) selectedLabels.add(name);
    for (const matcher of selector.matchers) {
      if (target.has(matcher.label)) continue;
      const values = labels.get(matcher.label);
      if (!values) violations.push(`${selector.metric} has no label ${matcher.label}`);
      else if (
        matcher.op === '=' &&
        (options.valueLabels?.includes(matcher.label) ?? true) &&
        !values.has(matcher.value)
      ) {
        violations.push(`${selector.metric}{${matcher.label}="${matcher.value}"} is never exposed`);
      }
    }
  }
  if (checked > 0) {
    for (const label of groupingLabels) {
      if (!selectedLabels.has(label))
        violations.push(`no selected metric has the label ${label} to group by`);
    }
  }
  return violations;
}
