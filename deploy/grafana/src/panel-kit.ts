/**
 * Dashboards as code: small builders for the Grafana JSON model, so that every panel gets the provisioned
 * datasource, a unique id and a grid position, and a dashboard reads as a list of rows of panels.
 * `generate.ts` writes the JSON that Grafana provisions (deploy/grafana/dashboards/*.json).
 */

/** The uid given to the Prometheus datasource in provisioning/datasources/prometheus.yml. */
export const DATASOURCE_UID = 'tillstream-prometheus';
export const DATASOURCE = { type: 'prometheus', uid: DATASOURCE_UID } as const;

/** HTTP requests to these routes come from Prometheus and probes, not from users. */
export const OPS_ROUTES = 'route!~"/metrics|/healthz|/readyz"';

export interface Target {
  readonly expr: string;
  readonly legend?: string;
}

export type Unit =
  's' | 'percentunit' | 'reqps' | 'ops' | 'short' | 'bytes' | 'Bps' | 'percent' | 'none' | 'VUs';

export interface PanelSpec {
  readonly title: string;
  /** Shown as the panel's (i) tooltip; docs/observability.md says the same at more length. */
  readonly description: string;
  readonly type?: 'timeseries' | 'stat';
  readonly unit: Unit;
  readonly targets: readonly Target[];
  /** Grid width out of 24 (default 12) and height (default 8). */
  readonly width?: number;
  readonly height?: number;
  /**
   * Stat panels of 0/1 gauges (shard_up, *_connected): 0 reads "down" on red, anything above "up" on
   * green — above, because prom-client sums a gauge over the cluster workers of one instance.
   */
  readonly upDown?: boolean;
  /** Threshold steps (value above which the colour applies), drawn as dashed lines on time series. */
  readonly thresholds?: readonly { value: number; color: string }[];
  readonly stack?: boolean;
  /** Stat panels: how the series reduce to one value (default: the last one). */
  readonly reduce?: 'lastNotNull' | 'max';
  readonly min?: number;
  readonly max?: number;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface VariableSpec {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  /** A Prometheus variable query (label_values(…)) or, for `custom`, comma-separated options. */
  readonly query: string;
  readonly kind: 'query' | 'custom';
  /** query variables: multi-select with an All option whose value is the regex `.*`. */
  readonly includeAll?: boolean;
  /** The selected option of a single-value variable. */
  readonly current?: string;
  /** query variables: a regex whose `value` group extracts the option from each result. */
  readonly regex?: string;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables?: readonly VariableSpec[];
  readonly rows: readonly RowSpec[];
  readonly links?: boolean;
}

/** The value an All selection substitutes: a regex that matches every label value. */
export const ALL_VALUE = '.*';

type Json = Record<string, unknown>;

function panelJson(spec: PanelSpec, id: number, gridPos: Json): Json {
  const type = spec.type ?? 'timeseries';
  const steps = [{ color: 'green', value: null }, ...(spec.thresholds ?? [])];
  const defaults: Json = {
    unit: spec.unit,
    color: { mode: type === 'stat' ? 'thresholds' : 'palette-classic' },
    thresholds: { mode: 'absolute', steps },
    mappings: spec.upDown
      ? [
          { type: 'value', options: { '0': { text: 'down', color: 'red', index: 0 } } },
          { type: 'range', options: { from: 1, to: null, result: { text: 'up', color: 'green', index: 1 } } },
        ]
      : [],
    ...(spec.min !== undefined ? { min: spec.min } : {}),
    ...(spec.max !== undefined ? { max: spec.max } : {}),
  };
  if (type === 'timeseries') {
    defaults.custom = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: spec.stack ? 30 : 10,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' },
      thresholdsStyle: { mode: spec.thresholds ? 'dashed' : 'off' },
    };
  }
  const options: Json =
    type === 'stat'
      ? {
          reduceOptions: { calcs: [spec.reduce ?? 'lastNotNull'], fields: '', values: false },
          colorMode: spec.upDown ? 'background' : 'value',
          graphMode: spec.upDown ? 'none' : 'area',
          justifyMode: 'auto',
          orientation: 'auto',
          textMode: 'auto',
        }
      : {
          legend: {
            displayMode: 'table',
            placement: 'bottom',
            showLegend: true,
            calcs: ['lastNotNull', 'max'],
          },
          tooltip: { mode: 'multi', sort: 'desc' },
        };
  return {
    id,
    type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    targets: spec.targets.map((t, i) => ({
      datasource: DATASOURCE,
      refId: String.fromCharCode(65 + i),
      expr: t.expr,
      legendFormat: t.legend ?? '__auto',
      range: true,
      instant: false,
      editorMode: 'code',
    })),
  };
}

function variableJson(v: VariableSpec): Json {
  if (v.kind === 'custom') {
    const values = v.query.split(',').map((s) => s.trim());
    const current = v.current ?? values[0]!;
    return {
      type: 'custom',
      name: v.name,
      label: v.label,
      description: v.description,
      query: values.join(','),
      current: { text: current, value: current, selected: true },
      options: values.map((value) => ({ text: value, value, selected: value === current })),
      multi: false,
      includeAll: false,
      hide: 0,
    };
  }
  return {
    type: 'query',
    name: v.name,
    label: v.label,
    description: v.description,
    datasource: DATASOURCE,
    definition: v.query,
    query: { query: v.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    sort: 1,
    multi: Boolean(v.includeAll),
    includeAll: Boolean(v.includeAll),
    regex: v.regex ?? '',
    ...(v.includeAll
      ? {
          allValue: ALL_VALUE,
          current: { text: ['All'], value: ['$__all'], selected: true },
        }
      : {}),
    ...(v.current !== undefined ? { current: { text: v.current, value: v.current, selected: true } } : {}),
    options: [],
    hide: 0,
  };
}

/** The Grafana JSON model of a dashboard: rows laid out top to bottom, panels left to right. */
export function dashboard(spec: DashboardSpec): Json {
  let id = 0;
  let y = 0;
  const panels: Json[] = [];
  for (const row of spec.rows) {
    panels.push({
      id: ++id,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? 12;
      const h = panel.height ?? 8;
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panelJson(panel, ++id, { h, w, x, y }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['tillstream', ...spec.tags],
    editable: true,
    graphTooltip: 1,
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-30m', to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: spec.links
      ? [
          {
            title: 'tillstream',
            type: 'dashboards',
            tags: ['tillstream'],
            asDropdown: true,
            includeVars: false,
            keepTime: true,
          },
        ]
      : [],
    templating: { list: (spec.variables ?? []).map(variableJson) },
    panels,
  };
}

/** `histogram_quantile(q, sum by (by…, le) (rate(metric_bucket{selector}[$__rate_interval])))`. */
export function quantile(q: number, metric: string, selector: string, by: readonly string[] = []): string {
  const labels = [...by, 'le'].join(', ');
  const matchers = selector ? `{${selector}}` : '';
  return `histogram_quantile(${q}, sum by (${labels}) (rate(${metric}_bucket${matchers}[$__rate_interval])))`;
}

/** The three percentiles a latency panel shows. */
export function percentiles(
  metric: string,
  selector: string,
  by: readonly string[],
  legendPrefix: string,
): Target[] {
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: quantile(q, metric, selector, by),
    legend: `${legendPrefix}p${Math.round(q * 100)}`,
  }));
}

/** Process panels every service dashboard ends with (prom-client default metrics). */
export function processRow(selector: string): RowSpec {
  return {
    title: 'Process',
    panels: [
      {
        title: 'CPU',
        description:
          'CPU seconds per second used by each instance (all its cluster workers together); 1 = one core.',
        unit: 'percentunit',
        width: 8,
        targets: [
          {
            expr: `sum by (instance) (rate(process_cpu_seconds_total{${selector}}[$__rate_interval]))`,
            legend: '{{instance}}',
          },
        ],
      },
      {
        title: 'Resident memory',
        description: 'Resident set size of each instance (all its cluster workers together).',
        unit: 'bytes',
        width: 8,
        targets: [
          { expr: `sum by (instance) (process_resident_memory_bytes{${selector}})`, legend: '{{instance}}' },
        ],
      },
      {
        title: 'Event loop lag p99',
        description:
          'The 99th percentile of event-loop delay per instance: above a few ms the process is CPU-bound and every request waits.',
        unit: 's',
        width: 8,
        targets: [
          {
            expr: `max by (instance) (nodejs_eventloop_lag_p99_seconds{${selector}})`,
            legend: '{{instance}}',
          },
        ],
      },
    ],
  };
}
