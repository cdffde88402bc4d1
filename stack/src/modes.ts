/**
 * MODE: what the native stack starts for the design and for the two baselines it is
 * compared with. kafka-sharded (default): Kafka, SHARD_COUNT shards, the three services. sync-db: one
 * Postgres, the purchase and store services (the purchase service writes in the request; no Kafka,
 * no consumer). rabbitmq: RabbitMQ, one Postgres, the three services (the consumer reads the queue).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ProcessSpec } from './process.js';

export const STACK_MODES = ['kafka-sharded', 'sync-db', 'rabbitmq'] as const;
export type StackMode = (typeof STACK_MODES)[number];

export interface ModeNeeds {
  readonly kafka: boolean;
  readonly rabbitmq: boolean;
  readonly consumer: boolean;
  /** The baselines write one database; the services' SHARD_URLS then name only it. */
  readonly singleDatabase: boolean;
}

export function modeNeeds(mode: StackMode): ModeNeeds {
  return {
    kafka: mode === 'kafka-sharded',
    rabbitmq: mode === 'rabbitmq',
    consumer: mode !== 'sync-db',
    singleDatabase: mode !== 'kafka-sharded',
  };
}

/** Shards the stack starts: the baselines need one Postgres (the design keeps SHARD_COUNT). */
export function shardCountFor(mode: StackMode, requested: number): number {
  return modeNeeds(mode).singleDatabase ? 1 : requested;
}

export interface RabbitMqSettings {
  /** AMQP port. */
  readonly port: number;
  /** Erlang distribution port (rabbitmqctl talks to the node through it). */
  readonly distPort: number;
  /** Port of the epmd this node registers with (its own, so stacks and tests do not share one). */
  readonly epmdPort: number;
  /** Its data, logs, cookie and plugin file live here. */
  readonly dir: string;
}

export function rabbitmqUrl(settings: Pick<RabbitMqSettings, 'port'>): string {
  return `amqp://guest:guest@127.0.0.1:${settings.port}`;
}

/**
 * The environment each service gets for the mode (added to the stack's common service environment):
 * a baseline's MODE (its purchase service serves either baseline) and RabbitMQ's URL.
 */
export function modeServiceEnvironment(mode: StackMode, rabbitmq: RabbitMqSettings): Record<string, string> {
  return {
    ...(mode === 'kafka-sharded' ? {} : { MODE: mode }),
    ...(mode === 'rabbitmq' ? { RABBITMQ_URL: rabbitmqUrl(rabbitmq) } : {}),
  };
}

/**
 * A service's compiled entry point, relative to the repository: the designed system's
 * `services/<name>/dist/main.js` (what the images run), or in a baseline mode the purchase and
 * consumer services' own composition root, `dist/baselines/main.js`.
 */
export function serviceEntry(name: 'purchase' | 'store' | 'consumer', mode: StackMode): string {
  const baseline = mode !== 'kafka-sharded' && name !== 'store';
  return path.join('services', name, 'dist', ...(baseline ? ['baselines'] : []), 'main.js');
}

/** The stack mode a service environment names (MODE); anything else is the design. */
export function modeOfEnvironment(env: Readonly<Record<string, string | undefined>>): StackMode {
  return env.MODE === 'sync-db' || env.MODE === 'rabbitmq' ? env.MODE : 'kafka-sharded';
}

export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
export const EPMD = '/usr/bin/epmd';

/**
 * Debian's rabbitmq-server in the foreground with everything under `dir`. RUNNING_UNDER_SYSTEMD makes
 * the script exec the Erlang VM (no signal-forwarding shell in between), so the supervised pid is the
 * broker and SIGTERM stops it gracefully. The guest user may connect from loopback only, which is
 * where every client of the stack is.
 */
export function rabbitmqProcesses(settings: RabbitMqSettings): ProcessSpec[] {
  const dir = settings.dir;
  for (const sub of ['mnesia', 'log', 'home']) mkdirSync(path.join(dir, sub), { recursive: true });
  const pluginsFile = path.join(dir, 'enabled_plugins');
  if (!existsSync(pluginsFile)) writeFileSync(pluginsFile, '[].\n');
  const epmdEnv = { ERL_EPMD_PORT: String(settings.epmdPort) };
  return [
    // epmd in the foreground under the supervisor; otherwise the broker would start a daemon that
    // outlives the stack.
    { name: 'epmd', command: EPMD, args: ['-port', String(settings.epmdPort)], env: epmdEnv },
    {
      name: 'rabbitmq',
      command: RABBITMQ_SERVER,
      args: [],
      cwd: dir,
      env: {
        ...epmdEnv,
        HOME: path.join(dir, 'home'),
        RUNNING_UNDER_SYSTEMD: 'true',
        RABBITMQ_NODENAME: `tillstream-${settings.port}@localhost`,
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        RABBITMQ_NODE_PORT: String(settings.port),
        RABBITMQ_DIST_PORT: String(settings.distPort),
        RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
        RABBITMQ_LOG_BASE: path.join(dir, 'log'),
        RABBITMQ_ENABLED_PLUGINS_FILE: pluginsFile,
      },
    },
  ];
}

/** Resolves once the AMQP port accepts a connection and answers the protocol header. */
export async function waitForRabbitmq(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      await amqpHandshake(port);
      return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`RabbitMQ on :${port} not ready after ${timeoutMs} ms: ${last}`);
}

/** Sends the AMQP 0-9-1 protocol header; a ready broker answers with connection.start (a method frame). */
function amqpHandshake(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), 2_000);
    socket.once('connect', () => socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1])));
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.destroy();
      if (data[0] === 1) resolve();
      else reject(new Error('unexpected answer to the AMQP header'));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
