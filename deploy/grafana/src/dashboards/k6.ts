import type { DashboardSpec, Target } from '../panel-kit.js';

/**
 * k6 results remote-written to Prometheus (`k6 run -o experimental-prometheus-rw`), laid out like
 * Grafana's "k6 Prometheus" dashboard (19665). Trend metrics arrive as one gauge per statistic
 * (k6_http_req_duration_p99, …) chosen by K6_PROMETHEUS_RW_TREND_STATS; `$quantile_stat` picks one.
 * Tag runs with `--tag testid=<name>` to tell them apart (loadtest/k6/run.sh does with PROMETHEUS_RW=1).
 * Requests are grouped by scenario, not by k6's `name`: the script's URLs carry store and customer ids.
 */
const T = 'testid=~"$testid"';

function timing(phase: string): Target {
  return { expr: `avg(k6_http_req_${phase}_$quantile_stat{${T}})`, legend: `${phase} $quantile_stat` };
}

export const k6: DashboardSpec = {
  uid: 'tillstream-k6',
  title: 'tillstream / k6 load test',
  description:
    'k6 runs remote-written to Prometheus (experimental-prometheus-rw), in the style of dashboard 19665.',
  tags: ['k6', 'load-test'],
  links: true,
  variables: [
    {
      name: 'testid',
      label: 'Test ID',
      description: 'The testid tag of the run (k6 run --tag testid=…); All shows every run in the range.',
      kind: 'query',
      query: 'label_values(k6_vus, testid)',
      includeAll: true,
    },
    {
      name: 'quantile_stat',
      label: 'Trend stat',
      description:
        'Which exported trend statistic to plot (K6_PROMETHEUS_RW_TREND_STATS; k6 exports p99 by default).',
      kind: 'query',
      query: 'metrics(k6_http_req_duration_)',
      regex: '/k6_http_req_duration_(?<value>[a-z0-9]+)$/',
      current: 'p99',
    },
  ],
  rows: [
    {
      title: 'Performance overview',
      panels: [
        {
          title: 'HTTP requests',
          description: 'Requests k6 sent in the run(s).',
          type: 'stat',
          unit: 'short',
          width: 6,
          height: 4,
          targets: [{ expr: `sum(k6_http_reqs_total{${T}})`, legend: 'requests' }],
        },
        {
          title: 'HTTP request failures',
          description: 'Requests whose status k6 did not expect (http_req_failed).',
          type: 'stat',
          unit: 'short',
          width: 6,
          height: 4,
          thresholds: [{ value: 1, color: 'red' }],
          targets: [
            {
              expr: `sum(k6_http_reqs_total{${T}, expected_response="false"}) or vector(0)`,
              legend: 'failures',
            },
          ],
        },
        {
          title: 'Peak RPS',
          description: 'The highest request rate over the time range.',
          type: 'stat',
          unit: 'reqps',
          width: 6,
          height: 4,
          reduce: 'max',
          targets: [{ expr: `sum(irate(k6_http_reqs_total{${T}}[$__rate_interval]))`, legend: 'peak' }],
        },
        {
          title: 'HTTP request duration',
          description: 'Request duration ($quantile_stat over each push interval), the latest value.',
          type: 'stat',
          unit: 's',
          width: 6,
          height: 4,
          targets: [{ expr: `avg(k6_http_req_duration_$quantile_stat{${T}})`, legend: '$quantile_stat' }],
        },
        {
          title: 'Virtual users',
          description: 'Active virtual users (closed-loop clients) over time.',
          unit: 'VUs',
          width: 8,
          targets: [
            { expr: `sum(k6_vus{${T}})`, legend: 'vus' },
            { expr: `sum(k6_vus_max{${T}})`, legend: 'vus max' },
          ],
        },
        {
          title: 'Request rate',
          description: 'Requests per second, and those that failed.',
          unit: 'reqps',
          width: 8,
          targets: [
            { expr: `sum(irate(k6_http_reqs_total{${T}}[$__rate_interval]))`, legend: 'requests' },
            {
              expr: `sum(irate(k6_http_reqs_total{${T}, expected_response="false"}[$__rate_interval])) or vector(0)`,
              legend: 'failed',
            },
          ],
        },
        {
          title: 'Request duration',
          description:
            'http_req_duration ($quantile_stat): from sending the request to the last byte of the answer.',
          unit: 's',
          width: 8,
          targets: [
            { expr: `avg(k6_http_req_duration_$quantile_stat{${T}})`, legend: 'duration $quantile_stat' },
          ],
        },
      ],
    },
    {
      title: 'HTTP',
      panels: [
        {
          title: 'HTTP latency timings',
          description:
            'Where request time goes ($quantile_stat): blocked (waiting for a connection), connecting, TLS, sending, waiting (server time to first byte), receiving.',
          unit: 's',
          targets: ['blocked', 'connecting', 'tls_handshaking', 'sending', 'waiting', 'receiving'].map(
            timing,
          ),
        },
        {
          title: 'Request duration by phase',
          description:
            'Duration ($quantile_stat) per scenario (the workload phases east, central, west) and status.',
          unit: 's',
          targets: [
            {
              expr: `avg by (scenario, status) (k6_http_req_duration_$quantile_stat{${T}})`,
              legend: '{{scenario}} {{status}}',
            },
          ],
        },
        {
          title: 'Requests by status',
          description: 'Requests per second by HTTP status.',
          unit: 'reqps',
          stack: true,
          targets: [
            {
              expr: `sum by (status) (irate(k6_http_reqs_total{${T}}[$__rate_interval]))`,
              legend: '{{status}}',
            },
          ],
        },
        {
          title: 'Failed request ratio',
          description: 'Share of requests with an unexpected status; the script’s threshold is 0.1 %.',
          unit: 'percentunit',
          thresholds: [{ value: 0.001, color: 'red' }],
          targets: [
            {
              expr:
                `(sum(rate(k6_http_reqs_total{${T}, expected_response="false"}[$__rate_interval])) or vector(0))` +
                ` / sum(rate(k6_http_reqs_total{${T}}[$__rate_interval]))`,
              legend: 'failed',
            },
          ],
        },
      ],
    },
    {
      title: 'Purchases, iterations, transfer',
      panels: [
        {
          title: 'Purchases acknowledged and failed',
          description:
            'Purchases the script got a 201 for (after retries) and purchases it gave up on: the counters of loadtest/k6/purchases.js.',
          unit: 'short',
          width: 8,
          targets: [
            { expr: `sum(k6_purchases_acknowledged_total{${T}})`, legend: 'acknowledged' },
            { expr: `sum(k6_purchases_failed_total{${T}}) or vector(0)`, legend: 'failed' },
          ],
        },
        {
          title: 'Iterations',
          description: 'Completed script iterations per second.',
          unit: 'ops',
          width: 8,
          targets: [
            { expr: `sum(irate(k6_iterations_total{${T}}[$__rate_interval]))`, legend: 'iterations/s' },
          ],
        },
        {
          title: 'Iteration duration',
          description: 'Duration of one script iteration ($quantile_stat).',
          unit: 's',
          width: 8,
          targets: [{ expr: `avg(k6_iteration_duration_$quantile_stat{${T}})`, legend: '$quantile_stat' }],
        },
        {
          title: 'Transfer rate',
          description: 'Bytes per second sent and received by k6.',
          unit: 'Bps',
          width: 24,
          targets: [
            { expr: `sum(irate(k6_data_sent_total{${T}}[$__rate_interval]))`, legend: 'sent' },
            { expr: `sum(irate(k6_data_received_total{${T}}[$__rate_interval]))`, legend: 'received' },
          ],
        },
      ],
    },
  ],
};
