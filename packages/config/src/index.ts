import { z } from 'zod';

export { z };

/** Thrown at start-up when the environment does not describe a valid config. Names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * The start of every service: parses its config once with `load`, or prints the ConfigError (every bad
 * variable) on stderr and exits 2. Any other error propagates.
 */
export function loadOrExit<T>(load: (env: Env) => T, env: Env = process.env): T {
  try {
    return load(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

/**
 * Parses `env` with `schema` (an object keyed by variable names), maps it with `build` into the
 * service's typed config, hides `secrets` (non-enumerable: never logged, never JSON-serialised) and
 * deep-freezes the result. Empty strings count as unset.
 */
export function loadConfig<Shape extends z.ZodRawShape, Config extends object>(
  shape: Shape,
  env: Env,
  build: (parsed: z.output<z.ZodObject<Shape>>) => Config,
  options: { secrets?: readonly (keyof Config)[] } = {},
): Readonly<Config> {
  const cleaned: Env = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    cleaned[key] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const config = build(result.data);
  for (const key of options.secrets ?? []) {
    const value = config[key];
    Object.defineProperty(config, key, { value, enumerable: false, writable: false, configurable: false });
  }
  return deepFreeze(config);
}

export function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.getOwnPropertyNames(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Replaces the password of a connection URL with `***`, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

// ---- reusable field parsers (all take the raw string or undefined) ----

/** An integer variable within [min, max], with a default. */
export function int(defaultValue: number, min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z.coerce.number().int().min(min).max(max).default(defaultValue);
}

/** A boolean variable: true/false/1/0/yes/no. */
export function bool(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? defaultValue : v === 'true' || v === '1' || v === 'yes'));
}

/** A comma-separated list of non-empty strings. */
export function list(defaultValue: readonly string[] = []) {
  return z
    .string()
    .optional()
    .transform((v) =>
      v === undefined
        ? [...defaultValue]
        : v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
    );
}

/** A comma-separated list of URLs with one of the given protocols (e.g. `postgres:`). */
export function urlList(protocols: readonly string[], defaultValue: readonly string[] = []) {
  return list(defaultValue).superRefine((urls, ctx) => {
    for (const url of urls) {
      let protocol: string;
      try {
        protocol = new URL(url).protocol;
      } catch {
        ctx.addIssue({ code: 'custom', message: `not a URL: ${redactUrl(url)}` });
        continue;
      }
      if (!protocols.includes(protocol)) {
        ctx.addIssue({ code: 'custom', message: `expected ${protocols.join(' or ')} URL, got ${protocol}` });
      }
    }
  });
}

/** A log level accepted by pino. */
export function logLevel(defaultValue = 'info') {
  return z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default(defaultValue as 'info');
}
