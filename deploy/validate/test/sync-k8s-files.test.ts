import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { parse } from 'yaml';
import { drift, expectedFiles } from '../src/sync-k8s-files.js';
import { REPO_ROOT } from '../src/paths.js';

it('the k8s copies of deploy/prometheus, deploy/grafana and deploy/kafka are identical to their sources', () => {
  assert.deepEqual(drift(), [], 'run: node --import tsx deploy/validate/src/sync-k8s-files.ts');
});

it('copies every Prometheus rule file and Grafana dashboard', () => {
  const files = [...expectedFiles().keys()];
  assert.ok(files.some((f) => f.endsWith('rules/alerts.yml')));
  assert.ok(files.includes('k8s/base/observability/files/grafana-dashboards/overview.json'));
  assert.ok(files.includes('k8s/base/kafka/create-topics.sh'));
});

it('Grafana and Prometheus mount their files where the shared provisioning expects them', () => {
  const providers = parse(
    readFileSync(path.join(REPO_ROOT, 'deploy/grafana/provisioning/dashboards/dashboards.yml'), 'utf8'),
  ) as {
    providers: { options: { path: string } }[];
  };
  const dashboardsPath = providers.providers[0]!.options.path;
  const grafana = readFileSync(path.join(REPO_ROOT, 'k8s/base/observability/grafana.yaml'), 'utf8');
  assert.match(grafana, new RegExp(`- name: dashboards\\n\\s+mountPath: ${dashboardsPath}\\n`));
  const compose = readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  assert.ok(compose.includes(`./deploy/grafana/dashboards:${dashboardsPath}:ro`));
  const prometheusK8s = readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/prometheus-k8s.yml'), 'utf8');
  assert.match(prometheusK8s, /rule_files:\n\s+- rules\/\*\.yml/);
  assert.ok(
    readFileSync(path.join(REPO_ROOT, 'k8s/base/observability/prometheus.yaml'), 'utf8').includes(
      'mountPath: /etc/prometheus/rules',
    ),
  );
});
