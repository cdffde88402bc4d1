// Reads docker-compose.yml the way Docker Compose does before validating it: YAML with merge keys
// (`<<: *anchor`), then variable interpolation of every scalar from the environment and `.env`.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'InterpolationError';
  }
}

/** Parses a dotenv file (`KEY=value`, `#` comments, optional quotes), as Compose reads `.env`. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`not a KEY=value line: ${line}`);
    let value = match[2]!;
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2]!;
    else value = value.replace(/\s+#.*$/, '');
    env[match[1]!] = value;
  }
  return env;
}

const VARIABLE =
  /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Compose's interpolation of one string: `$$` → `$`, `$VAR`, `${VAR}`, `${VAR:-default}` / `${VAR-default}`,
 * `${VAR:?error}` / `${VAR?error}` (throws), `${VAR:+alt}` / `${VAR+alt}`. Defaults are interpolated too.
 */
export function interpolate(text: string, env: Env, used?: Set<string>): string {
  return text.replace(VARIABLE, (whole, dollar, braced, operator, argument, bare) => {
    if (dollar === '$') return '$';
    const name = (braced ?? bare) as string;
    used?.add(name);
    const value = env[name];
    const unsetOrEmpty = value === undefined || value === '';
    const missing = operator?.startsWith(':') ? unsetOrEmpty : value === undefined;
    switch (operator) {
      case undefined:
        return value ?? '';
      case '-':
      case ':-':
        return missing ? interpolate(argument ?? '', env, used) : value!;
      case '?':
      case ':?':
        if (missing)
          throw new InterpolationError(name, `required variable ${name} is missing a value: ${argument}`);
        return value!;
      case '+':
      case ':+':
        return missing ? '' : interpolate(argument ?? '', env, used);
      default:
        throw new Error(`unsupported interpolation ${whole}`);
    }
  });
}

/** Interpolates every string scalar of a parsed document (keys are left alone, as Compose does). */
export function interpolateTree(node: unknown, env: Env, used?: Set<string>): unknown {
  if (typeof node === 'string') return interpolate(node, env, used);
  if (Array.isArray(node)) return node.map((item) => interpolateTree(item, env, used));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env, used)]));
  }
  return node;
}

export interface ComposeFile {
  /** After merge keys, before interpolation (what is committed). */
  readonly raw: Record<string, unknown>;
  /** After interpolation with `env` (what Compose would run). */
  readonly resolved: ComposeDocument;
  /** Every variable the file refers to. */
  readonly variables: ReadonlySet<string>;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | { target?: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  restart?: string;
  profiles?: string[];
  deploy?: { replicas?: number | string };
  stop_grace_period?: string;
  [key: string]: unknown;
}

export interface ComposeDocument {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Loads a compose file and resolves it with `env` (e.g. the variables of `.env.example`). */
export function loadCompose(file: string, env: Env): ComposeFile {
  const raw = parse(readFileSync(file, 'utf8'), { merge: true, maxAliasCount: -1 }) as Record<
    string,
    unknown
  >;
  const used = new Set<string>();
  // Extension fields (x-*) are templates, not part of the model; Compose drops them before validation too.
  const model = Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('x-')));
  const resolved = interpolateTree(model, env, used) as ComposeDocument;
  return { raw, resolved, variables: used };
}

/** A service's environment as a plain map of strings. */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const index = entry.indexOf('=');
        return index < 0 ? [entry, ''] : [entry.slice(0, index), entry.slice(index + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}
