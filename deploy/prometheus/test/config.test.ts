// The shipped Prometheus configs pass promtool and scrape what the dashboards and alerts expect: jobs
// purchase, store and consumer on the services' ports, rules from rules/*.yml.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { nativePrometheusConfig } from '../../../stack/src/prometheus.js';
import { PROMETHEUS_DIR, UPSTREAM_PROMTOOL, promtool, upstreamPromtoolAvailable } from '../src/promtool.js';

interface ScrapeConfig {
  job_name: string;
  dns_sd_configs?: { names: string[]; port: number }[];
  kubernetes_sd_configs?: unknown[];
  relabel_configs?: { source_labels?: string[]; target_label?: string }[];
}
interface Config {
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

const SERVICE_PORTS = { purchase: 8080, store: 8081, consumer: 8082 } as const;

function load(file: string): Config {
  return parse(readFileSync(path.join(PROMETHEUS_DIR, file), 'utf8')) as Config;
}

describe('prometheus.yml (docker compose)', () => {
  it('passes promtool check config, rule files included', () => {
    const result = promtool(['check', 'config', 'prometheus.yml']);
    assert.ok(result.ok, result.output);
    // The rule files are found relative to the config, so promtool checked them too.
    assert.match(result.output, /Checking rules\/alerts\.yml/);
    assert.match(result.output, /Checking rules\/recording\.yml/);
  });

  it('discovers every replica of each service by its compose DNS name and port', () => {
    const config = load('prometheus.yml');
    for (const [service, port] of Object.entries(SERVICE_PORTS)) {
      const job = config.scrape_configs.find((c) => c.job_name === service);
      assert.ok(job, `no job ${service}`);
      assert.deepEqual(job.dns_sd_configs, [{ names: [service], type: 'A', port, refresh_interval: '15s' }]);
    }
  });
});

describe('prometheus-k8s.yml (Kubernetes)', () => {
  it('finds the same rule files', () => {
    assert.deepEqual(load('prometheus-k8s.yml').rule_files, load('prometheus.yml').rule_files);
  });

  it('names each pod job after its app.kubernetes.io/name label, like the compose jobs', () => {
    const pods = load('prometheus-k8s.yml').scrape_configs.find((c) => c.kubernetes_sd_configs);
    assert.ok(pods);
    const jobRule = pods.relabel_configs?.find((r) => r.target_label === 'job');
    assert.deepEqual(jobRule?.source_labels, ['__meta_kubernetes_pod_label_app_kubernetes_io_name']);
  });

  it(
    'passes an upstream promtool check config (Debian’s has no kubernetes_sd)',
    {
      skip: upstreamPromtoolAvailable()
        ? false
        : `no ${UPSTREAM_PROMTOOL}: run deploy/prometheus/install-promtool.sh`,
    },
    () => {
      const result = promtool(['check', 'config', 'prometheus-k8s.yml'], UPSTREAM_PROMTOOL);
      assert.ok(result.ok, result.output);
      assert.match(result.output, /Checking rules\/alerts\.yml/);
    },
  );
});

describe('the native stack’s generated config (stack/src/prometheus.ts)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'native-prometheus-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes promtool check config with the shipped rule files', () => {
    const file = path.join(dir, 'prometheus.yml');
    const services = Object.entries(SERVICE_PORTS).map(([name, port]) => ({ name, port }));
    writeFileSync(file, nativePrometheusConfig(services as Parameters<typeof nativePrometheusConfig>[0]));
    const result = promtool(['check', 'config', file]);
    assert.ok(result.ok, result.output);
    assert.match(result.output, /alerts\.yml/);
  });
});
