// Lint of the provisioned dashboards (deploy/grafana/dashboards/*.json): what Grafana needs to load them
// against the provisioned datasource, and PromQL that parses once the variables are substituted.
// Whether each query returns data is proven against live services by panels.e2e.test.ts.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { unparsableExpressions } from '../../prometheus/src/promtool.js';
import { DASHBOARDS_DIR } from '../src/generate.js';
import { dashboardQueries, panelsOf, undefinedVariables, type DashboardJson } from '../src/queries.js';

const GRAFANA_DIR = fileURLToPath(new URL('../', import.meta.url));
const datasources = parse(
  readFileSync(path.join(GRAFANA_DIR, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
) as { datasources: { uid: string; type: string; url: string }[] };
const providers = parse(
  readFileSync(path.join(GRAFANA_DIR, 'provisioning', 'dashboards', 'dashboards.yml'), 'utf8'),
) as { providers: { type: string; options: { path: string } }[] };
const PROVISIONED_UID = datasources.datasources[0]!.uid;

const files = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json'));
const dashboards = files.map((file) => ({
  file,
  text: readFileSync(path.join(DASHBOARDS_DIR, file), 'utf8'),
}));
const doc = readFileSync(path.join(GRAFANA_DIR, '..', '..', 'docs', 'observability.md'), 'utf8');

interface AnyPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
  fieldConfig?: { defaults?: { unit?: string } };
}

describe('provisioning', () => {
  it('has one Prometheus datasource with a fixed uid', () => {
    assert.equal(datasources.datasources.length, 1);
    assert.equal(datasources.datasources[0]!.type, 'prometheus');
    assert.equal(PROVISIONED_UID, 'tillstream-prometheus');
  });

  it('provisions the dashboards from a file provider', () => {
    assert.equal(providers.providers.length, 1);
    assert.equal(providers.providers[0]!.type, 'file');
    assert.ok(providers.providers[0]!.options.path.startsWith('/'));
  });

  it('ships the overview, one dashboard per service and the k6 dashboard', () => {
    assert.deepEqual(files.sort(), [
      'consumer.json',
      'k6.json',
      'overview.json',
      'purchase.json',
      'store.json',
    ]);
  });
});

for (const { file, text } of dashboards) {
  describe(file, () => {
    const model = JSON.parse(text) as DashboardJson & { panels: AnyPanel[] };
    const panels = panelsOf(model) as unknown as AnyPanel[];

    it('has a uid and a title unique among the dashboards', () => {
      const others = dashboards
        .filter((d) => d.file !== file)
        .map((d) => JSON.parse(d.text) as DashboardJson);
      assert.ok(model.uid && model.title);
      assert.ok(!others.some((o) => o.uid === model.uid || o.title === model.title));
    });

    it('gives every panel a unique id', () => {
      const ids = model.panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length);
    });

    it('queries only the provisioned datasource, from every panel, target and variable', () => {
      for (const panel of panels) {
        assert.deepEqual(panel.datasource, { type: 'prometheus', uid: PROVISIONED_UID }, panel.title);
        assert.ok((panel.targets ?? []).length > 0, `${panel.title} has no targets`);
        for (const target of panel.targets ?? []) {
          assert.deepEqual(target.datasource, { type: 'prometheus', uid: PROVISIONED_UID }, panel.title);
        }
      }
      for (const variable of model.templating.list as { type: string; datasource?: { uid: string } }[]) {
        if (variable.type === 'query') assert.equal(variable.datasource?.uid, PROVISIONED_UID);
      }
    });

    it('lays panels out on the 24-column grid without overlaps', () => {
      const cells = new Set<string>();
      for (const panel of model.panels) {
        const { x, y, w, h } = panel.gridPos;
        assert.ok(x >= 0 && w > 0 && x + w <= 24, `${panel.title} is off the grid`);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            assert.ok(!cells.has(`${i},${j}`), `${panel.title} overlaps another panel`);
            cells.add(`${i},${j}`);
          }
        }
      }
    });

    it('describes every panel, gives it a unit and explains it in docs/observability.md', () => {
      for (const panel of panels) {
        assert.ok(panel.description && panel.description.length > 20, `${panel.title} has no description`);
        assert.ok(panel.fieldConfig?.defaults?.unit, `${panel.title} has no unit`);
        assert.ok(
          doc.includes(`**${panel.title}**`),
          `docs/observability.md does not explain "${panel.title}"`,
        );
      }
    });

    it('uses only variables it defines', () => {
      assert.deepEqual(undefinedVariables(model), []);
    });

    it('has PromQL that parses in every target once variables are substituted', () => {
      const queries = dashboardQueries(model, { rateInterval: '30s', range: '15m' });
      assert.ok(queries.length >= panels.length);
      const failures = unparsableExpressions(
        queries.map((q) => ({ name: `${q.panelTitle} ${q.refId}: ${q.expr}`, expr: q.expr })),
      );
      assert.deepEqual(failures, []);
    });
  });
}
