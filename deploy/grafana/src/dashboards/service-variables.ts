import type { VariableSpec } from '../panel-kit.js';

/** The instance picker of a service dashboard: every scraped target of the service's job. */
export function instanceVariable(job: 'purchase' | 'store' | 'consumer'): VariableSpec {
  return {
    name: 'instance',
    label: 'Instance',
    description: `The ${job} instances (scrape targets) to show; All sums them.`,
    kind: 'query',
    query: `label_values(up{job="${job}"}, instance)`,
    includeAll: true,
  };
}
