/**
 * promtool, Prometheus' own checker, for the tests of deploy/: configs, rule files, rule unit tests and
 * bare PromQL expressions (as recording rules, since promtool has no "parse this query" command in 2.42).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const PROMETHEUS_DIR = fileURLToPath(new URL('../', import.meta.url));
export const RULES_DIR = path.join(PROMETHEUS_DIR, 'rules');

/** Debian's promtool (package `prometheus`). Its build leaves out Kubernetes service discovery. */
export const DEBIAN_PROMTOOL = 'promtool';

/**
 * An upstream promtool with every service discovery, built from the Go module proxy by
 * deploy/prometheus/install-promtool.sh; needed to check prometheus-k8s.yml (kubernetes_sd_configs).
 */
export const UPSTREAM_PROMTOOL =
  process.env.UPSTREAM_PROMTOOL ??
  path.join(homedir(), '.cache', 'tillstream', 'promtool-v2.53.3', 'promtool');

export function upstreamPromtoolAvailable(): boolean {
  return existsSync(UPSTREAM_PROMTOOL);
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

export function promtool(
  args: readonly string[],
  binary = DEBIAN_PROMTOOL,
  cwd = PROMETHEUS_DIR,
): PromtoolResult {
  const result = spawnSync(binary, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

export interface NamedExpression {
  readonly name: string;
  readonly expr: string;
}

/**
 * Parses every expression with promtool (each becomes a recording rule of a throwaway rule file).
 * Returns the expressions that do not parse, each with promtool's message.
 */
export function unparsableExpressions(
  expressions: readonly NamedExpression[],
): { name: string; error: string }[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'promql-'));
  try {
    const file = path.join(dir, 'expressions.yml');
    const failures: { name: string; error: string }[] = [];
    // One rule file per expression would be slow; one file, and only on failure one per expression so that
    // every culprit is named.
    const write = (list: readonly NamedExpression[]) =>
      writeFileSync(
        file,
        stringify({
          groups: [
            { name: 'expressions', rules: list.map((e, i) => ({ record: `expr_${i}`, expr: e.expr })) },
          ],
        }),
      );
    write(expressions);
    if (promtool(['check', 'rules', file]).ok) return [];
    for (const expression of expressions) {
      write([expression]);
      const result = promtool(['check', 'rules', file]);
      if (!result.ok) failures.push({ name: expression.name, error: result.output.trim() });
    }
    return failures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
