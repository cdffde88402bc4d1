/**
 * The metric names and labels a PromQL expression depends on, found lexically (there is no PromQL parser
 * for Node here, and the expressions in this repository are plain enough): selectors `name{matchers}`
 * and bare `name`, and the labels of `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`, `group_*(…)`.
 * Used to check that the dashboards and rules only use metrics and labels the services really expose.
 */

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface Selector {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
}

export interface ExpressionDependencies {
  readonly selectors: readonly Selector[];
  /** Labels named in by/without/on/ignoring/group_left/group_right clauses. */
  readonly groupingLabels: readonly string[];
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

function parseMatchers(text: string): Matcher[] {
  return [...text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => ({
    label: m[1]!,
    op: m[2] as Matcher['op'],
    value: m[3]!,
  }));
}

export function expressionDependencies(expr: string): ExpressionDependencies {
  const groupingLabels: string[] = [];
  let rest = expr.replace(
    /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_match, labels: string) => {
      groupingLabels.push(
        ...labels
          .split(',')
          .map((l) => l.trim())
          .filter(Boolean),
      );
      return ' ';
    },
  );
  const selectors: Selector[] = [];
  rest = rest.replace(
    /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g,
    (_match, name: string | undefined, body: string) => {
      const matchers = parseMatchers(body);
      const metric = name ?? matchers.find((m) => m.label === '__name__' && m.op === '=')?.value;
      if (metric) selectors.push({ metric, matchers: matchers.filter((m) => m.label !== '__name__') });
      return ' ';
    },
  );
  rest = rest
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ') // strings (e.g. label_replace arguments)
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery durations
    .replace(/\boffset\s+\w+/g, ' ');
  for (const m of rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    // A number's exponent (1e3) or a duration unit is preceded by a digit.
    const before = rest[m.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    selectors.push({ metric: name!, matchers: [] });
  }
  return { selectors, groupingLabels: [...new Set(groupingLabels)] };
}
