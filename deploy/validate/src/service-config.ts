// Learns, from a service's own src/config.ts, which environment variables it reads and whether a given
// environment is valid for it — by calling its loader, never by re-declaring the list here. The loader is
// handed a Proxy as its environment, which records every variable the config schema looks up.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './paths.js';

export interface ServiceConfigProbe {
  readonly service: string;
  readonly configFile: string;
  /** Every variable the loader reads. */
  readonly reads: ReadonlySet<string>;
  /** Variables the loader rejects when they are absent (required, no default). */
  readonly required: ReadonlySet<string>;
  /** Runs the loader on `env`: undefined when valid, else the loader's message. */
  check(env: Record<string, string>): string | undefined;
}

type Loader = (env: Record<string, string | undefined>) => unknown;

function recordingEnv(
  values: Record<string, string>,
  reads: Set<string>,
): Record<string, string | undefined> {
  return new Proxy(values, {
    get(target, key) {
      if (typeof key === 'string') reads.add(key);
      return typeof key === 'string' ? target[key] : undefined;
    },
    has(target, key) {
      if (typeof key === 'string') reads.add(key);
      return key in target;
    },
  });
}

/** The message of a config error, or undefined when the call succeeded. */
function attempt(loader: Loader, env: Record<string, string | undefined>): string | undefined {
  try {
    loader(env);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The variable names a ConfigError message mentions as `NAME: problem`. */
function namesIn(message: string): string[] {
  return [...message.matchAll(/^\s*-?\s*([A-Z][A-Z0-9_]*)\s*:/gm)].map((m) => m[1]!);
}

/**
 * Probes services/<service>/src/config.ts. Returns undefined when the file does not exist yet. The loader
 * is the exported function that, called with an environment, reads PORT.
 */
export async function probeServiceConfig(service: string): Promise<ServiceConfigProbe | undefined> {
  const configFile = path.join(REPO_ROOT, 'services', service, 'src', 'config.ts');
  if (!existsSync(configFile)) return undefined;
  const module = (await import(pathToFileURL(configFile).href)) as Record<string, unknown>;
  let loader: Loader | undefined;
  let reads = new Set<string>();
  for (const candidate of Object.values(module)) {
    if (typeof candidate !== 'function' || candidate.length > 1) continue;
    const seen = new Set<string>();
    attempt(candidate as Loader, recordingEnv({}, seen));
    if (seen.has('PORT') && seen.size > reads.size) {
      loader = candidate as Loader;
      reads = seen;
    }
  }
  if (!loader) throw new Error(`${configFile} exports no function that reads PORT from the env it is given`);
  const found = loader;
  const emptyMessage = attempt(found, recordingEnv({}, new Set()));
  const required = new Set(emptyMessage ? namesIn(emptyMessage).filter((n) => reads.has(n)) : []);
  return {
    service,
    configFile,
    reads,
    required,
    check: (env) => attempt(found, { ...env }),
  };
}
