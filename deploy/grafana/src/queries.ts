/**
 * The PromQL a dashboard runs, as Grafana would send it: every target of every panel with template
 * variables replaced. Used by the tests to parse every query and to run it against a live Prometheus.
 */

export interface PanelQuery {
  readonly dashboard: string;
  readonly panelId: number;
  readonly panelTitle: string;
  readonly refId: string;
  /** The expression after substitution. */
  readonly expr: string;
  readonly rawExpr: string;
}

interface PanelJson {
  id: number;
  type: string;
  title: string;
  targets?: { refId: string; expr: string; hide?: boolean }[];
  panels?: PanelJson[];
}

export interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating: { list: VariableJson[] };
}

interface VariableJson {
  name: string;
  type: string;
  includeAll?: boolean;
  allValue?: string;
  current?: { value?: string | string[] };
  query?: string | { query: string };
}

/** Grafana's built-in interval variables, fixed for a query run outside Grafana. */
export interface Intervals {
  /** $__rate_interval and $__interval, e.g. '30s'. */
  readonly rateInterval: string;
  /** $__range, e.g. '5m'. */
  readonly range: string;
}

/** Every panel of a dashboard, row children included, rows themselves excluded. */
export function panelsOf(dashboard: DashboardJson): PanelJson[] {
  return dashboard.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

/**
 * The value Grafana substitutes for a variable on a freshly opened dashboard: the All value (a regex) for
 * an All selection, else the current option.
 */
export function defaultVariableValues(dashboard: DashboardJson): Map<string, string> {
  const values = new Map<string, string>();
  for (const v of dashboard.templating.list) {
    const current = v.current?.value;
    const selected = Array.isArray(current) ? current[0] : current;
    if (v.includeAll && (selected === undefined || selected === '$__all'))
      values.set(v.name, v.allValue ?? '.*');
    else if (selected !== undefined) values.set(v.name, selected);
  }
  return values;
}

/**
 * Replaces the $name, ${name} and [[name]] forms. Like Grafana, `$name` takes the whole word: an
 * unknown word is left as it is and makes the query fail, as it would in Grafana.
 */
export function substitute(
  expr: string,
  variables: ReadonlyMap<string, string>,
  intervals: Intervals,
): string {
  const all = new Map<string, string>([
    ['__rate_interval', intervals.rateInterval],
    ['__interval', intervals.rateInterval],
    ['__range', intervals.range],
    ...variables,
  ]);
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (match, braced, bracketed, bare) => {
    const name: string = braced ?? bracketed ?? bare;
    return all.get(name) ?? match;
  });
}

/** Every visible target of every panel, substituted. */
export function dashboardQueries(
  dashboard: DashboardJson,
  intervals: Intervals,
  variables: ReadonlyMap<string, string> = defaultVariableValues(dashboard),
): PanelQuery[] {
  return panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => !t.hide)
      .map((t) => ({
        dashboard: dashboard.uid,
        panelId: panel.id,
        panelTitle: panel.title,
        refId: t.refId,
        rawExpr: t.expr,
        expr: substitute(t.expr, variables, intervals),
      })),
  );
}

/** The names of the variables a dashboard uses in its targets that it does not define. */
export function undefinedVariables(dashboard: DashboardJson): string[] {
  const defined = new Set([
    '__rate_interval',
    '__interval',
    '__range',
    ...dashboard.templating.list.map((v) => v.name),
  ]);
  const used = panelsOf(dashboard).flatMap((p) =>
    (p.targets ?? []).flatMap((t) => [...t.expr.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!)),
  );
  return [...new Set(used.filter((name) => !defined.has(name)))];
}
