import path from 'node:path';
import type { ProcessSpec } from './process.js';
import { planShards } from './postgres.js';
import { bootstrapServers } from './kafka.js';
import { modeNeeds, modeServiceEnvironment, serviceEntry } from './modes.js';
import { REPO_ROOT, type StackSettings } from './settings.js';
import { listedTools, requireTool } from './prerequisites.js';

export interface ServicePlan {
  readonly name: 'purchase' | 'store' | 'consumer';
  readonly port: number;
  /** The compiled entry point (src/modes.ts): in the design, the `services/x/dist/main.js` the container runs. */
  readonly entry: string;
  readonly spec: ProcessSpec;
}

/** The environment every service gets from the native stack (the same variables compose and k8s set). */
export function serviceEnvironment(settings: StackSettings): Record<string, string> {
  return {
    NODE_ENV: 'production',
    KAFKA_BROKERS: bootstrapServers(settings),
    KAFKA_TOPIC: settings.kafka.topic,
    KAFKA_DLQ_TOPIC: settings.kafka.dlqTopic,
    KAFKA_PARTITIONS: String(settings.kafka.partitions),
    SHARD_URLS: planShards(settings)
      .map((s) => s.url)
      .join(','),
    ...modeServiceEnvironment(settings.mode, settings.rabbitmq),
  };
}

/**
 * What the stack runs. `purchaseApiKey` (the stack's generated key, src/api-key.ts) is the one key the
 * purchase service accepts: the native stack authenticates writes, as every deployment does.
 */
export function servicePlans(settings: StackSettings, purchaseApiKey: string): ServicePlan[] {
  const common = serviceEnvironment(settings);
  const skew = clockSkewEnvironments(settings.services.faketime);
  const plan = (name: ServicePlan['name'], port: number, env: Record<string, string>): ServicePlan => {
    const entry = path.join(REPO_ROOT, serviceEntry(name, settings.mode));
    return {
      name,
      port,
      entry,
      spec: {
        name,
        command: process.execPath,
        args: [...settings.services.nodeArgs, entry],
        cwd: REPO_ROOT,
        env: withoutUnused(name, {
          ...common,
          PORT: String(port),
          HOST: '127.0.0.1',
          ...env,
          ...skew.get(name),
        }),
      },
    };
  };
  // The purchase service reads SHARD_URLS only in sync-db mode, where it writes the database itself.
  const withoutUnused = (name: ServicePlan['name'], env: Record<string, string>) => {
    if (name !== 'purchase' || settings.mode === 'sync-db') return env;
    const { SHARD_URLS: _unused, ...rest } = env;
    return rest;
  };
  return [
    ...(modeNeeds(settings.mode).consumer ? [plan('consumer', settings.services.consumerPort, {})] : []),
    plan('purchase', settings.services.purchasePort, {
      PURCHASE_WORKERS: String(settings.services.purchaseWorkers),
      PURCHASE_API_KEYS: purchaseApiKey,
    }),
    plan('store', settings.services.storePort, { STORE_WORKERS: String(settings.services.storeWorkers) }),
  ];
}

export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * Clock skew for the fault-tolerance scenarios: `STACK_FAKETIME_SERVICES=purchase:-1h,consumer:+1h`
 * runs those services under libfaketime (Debian `faketime`) with their wall clock shifted by a fixed
 * offset; monotonic clocks stay real, so timers and durations are unaffected. Read here rather than in
 * settings.ts because it is a test hook, not a setting of the stack.
 */
export function clockSkewEnvironments(
  spec: string | undefined,
  library = LIBFAKETIME,
): Map<string, Record<string, string>> {
  const skews = new Map<string, Record<string, string>>();
  for (const entry of (spec ?? '').split(',').filter((e) => e.trim() !== '')) {
    const match = /^\s*(purchase|store|consumer):([+-]\d+(?:\.\d+)?[smhdy]?)\s*$/.exec(entry);
    if (!match)
      throw new Error(`STACK_FAKETIME_SERVICES: "${entry}" is not <service>:<±offset> (e.g. purchase:-1h)`);
    requireTool('faketime', listedTools(), library);
    skews.set(match[1]!, { LD_PRELOAD: library, FAKETIME: match[2]!, FAKETIME_DONT_FAKE_MONOTONIC: '1' });
  }
  return skews;
}

export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}
