/**
 * Writes deploy/grafana/dashboards/*.json from the dashboard definitions (prettier-formatted, so the
 * files pass `prettier --check`). `--check` writes nothing and exits 1 when a file is out of date.
 *
 *   node --import tsx deploy/grafana/src/generate.ts [--check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { DASHBOARDS } from './dashboards/index.js';
import { dashboard } from './panel-kit.js';

export const DASHBOARDS_DIR = fileURLToPath(new URL('../dashboards/', import.meta.url));

/** File name → the JSON text Grafana provisions. */
export async function renderDashboards(): Promise<Map<string, string>> {
  const rendered = new Map<string, string>();
  for (const [file, spec] of Object.entries(DASHBOARDS)) {
    const target = path.join(DASHBOARDS_DIR, file);
    const options = (await prettier.resolveConfig(target)) ?? {};
    rendered.set(
      file,
      await prettier.format(JSON.stringify(dashboard(spec)), { ...options, filepath: target }),
    );
  }
  return rendered;
}

/** The files whose committed content differs from what the definitions render. */
export async function staleDashboards(): Promise<string[]> {
  const stale: string[] = [];
  for (const [file, text] of await renderDashboards()) {
    const current = await readFile(path.join(DASHBOARDS_DIR, file), 'utf8').catch(() => '');
    if (current !== text) stale.push(file);
  }
  return stale;
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const stale = await staleDashboards();
    if (stale.length > 0) {
      console.error(
        `out of date: ${stale.join(', ')} — run node --import tsx deploy/grafana/src/generate.ts`,
      );
      process.exit(1);
    }
    return;
  }
  for (const [file, text] of await renderDashboards()) {
    await writeFile(path.join(DASHBOARDS_DIR, file), text);
    console.log(`wrote deploy/grafana/dashboards/${file}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
