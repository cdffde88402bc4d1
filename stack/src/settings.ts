import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, int, bool, z } from '@tillstream/config';
import { STACK_MODES, shardCountFor } from './modes.js';
import { MAX_CPU_SHARES, MIN_CPU_SHARES } from './cpu-group.js';

/** The repository root (stack/dist/ or stack/src/ → ../..). */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

export const KAFKA_VERSION = '3.9.1';

/**
 * Settings of the native stack, from the environment. Every variable is optional; the defaults give
 * the documented ports (README: "Ports").
 */
/**
 * The stack settings that shape what a run on the stack measures: its process layout, Kafka and the
 * shards with their PostgreSQL settings, the processes' CPU weights, Prometheus scraping. The stack
 * records the ones it was brought up with (StackState.settings), so a measurement can name them.
 */
export const STACK_SHAPE_SETTINGS = [
  'PURCHASE_WORKERS',
  'STORE_WORKERS',
  'KAFKA_NODES',
  'KAFKA_PARTITIONS',
  'SHARD_COUNT',
  'SHARD_PG_OPTIONS',
  'STACK_CPU_SHARES',
  'PROMETHEUS',
] as const;

export function loadStackSettings(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      /** Where .stack/ (data, logs, state.json) lives. */
      STACK_DIR: z.string().default(path.join(REPO_ROOT, '.stack')),
      /** Kafka nodes (combined broker+controller), 1 or 3. */
      KAFKA_NODES: int(1, 1, 5),
      /** First broker port; node i listens on KAFKA_PORT + i - 1. */
      KAFKA_PORT: int(9092, 1024, 65000),
      /** First controller port; node i listens on KAFKA_CONTROLLER_PORT + i - 1. */
      KAFKA_CONTROLLER_PORT: int(19093, 1024, 65000),
      KAFKA_PARTITIONS: int(12, 1, 1000),
      /** loopback: every node on 127.0.0.1; netns: each node in its own network namespace (Linux, root), so one can be cut off. */
      KAFKA_NETWORK: z.enum(['loopback', 'netns']).default('loopback'),
      KAFKA_TOPIC: z
        .string()
        .regex(/^[\w.-]{1,200}$/)
        .default('purchases'),
      KAFKA_DLQ_TOPIC: z
        .string()
        .regex(/^[\w.-]{1,200}$/)
        .default('purchases.dlq'),
      /** Heap of each Kafka JVM, in MiB. */
      KAFKA_HEAP_MB: int(384, 128, 512),
      /** A Kafka distribution to use instead of the jars resolved from Maven Central. */
      KAFKA_HOME: z.string().optional(),
      KAFKA_CACHE_DIR: z.string().default(path.join(os.homedir(), '.cache', 'tillstream')),
      SHARD_COUNT: int(4, 1, 16),
      /** Shard i listens on SHARD_BASE_PORT + i. */
      SHARD_BASE_PORT: int(5433, 1024, 65000),
      PG_BIN_DIR: z.string().optional(),
      /**
       * PostgreSQL settings for every shard server, space-separated `name=value`, after (so over) the
       * stack's own (src/postgres.ts), e.g. `wal_compression=off checkpoint_timeout=15min`.
       */
      SHARD_PG_OPTIONS: z
        .string()
        .regex(/^\s*(?:[a-z_][a-z0-9_.]*=\S+(?:\s+|$))*$/, 'space-separated name=value PostgreSQL settings')
        .default(''),
      PG_USER: z.string().default('tillstream'),
      PG_PASSWORD: z.string().default('tillstream'),
      PG_DATABASE: z.string().default('tillstream'),
      PURCHASE_PORT: int(8080, 1024, 65000),
      STORE_PORT: int(8081, 1024, 65000),
      CONSUMER_PORT: int(8082, 1024, 65000),
      PURCHASE_WORKERS: int(2, 1, 64),
      STORE_WORKERS: int(2, 1, 64),
      /** Start the three services when they are built (services/x/dist/main.js). */
      STACK_SERVICES: bool(true),
      /** Clock skew for the fault-tolerance runs, e.g. `purchase:-1h,consumer:+1h` (src/services.ts). */
      STACK_FAKETIME_SERVICES: z.string().default(''),
      /**
       * Node options the services start with, space-separated (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`
       * for `make profile`: V8 refuses --cpu-prof in NODE_OPTIONS). Cluster workers inherit them.
       */
      STACK_SERVICE_NODE_ARGS: z.string().default(''),
      /**
       * CPU weights (cgroup v1 cpu.shares, src/cpu-group.ts) for the stack's processes, as CPU requests
       * give containers: `name:shares,…` over purchase, store, consumer, kafka-<id>, shard-<i>,
       * prometheus; a process not named weighs 1024. E.g. `consumer:8192,store:8192`. Needs root.
       */
      STACK_CPU_SHARES: z
        .string()
        .regex(
          /^(?:(?:purchase|store|consumer|prometheus|kafka-\d+|shard-\d+):\d+(?:,(?=.)|$))*$/,
          'comma-separated name:shares, a name being purchase, store, consumer, prometheus, kafka-<id> or shard-<i>',
        )
        .default('')
        .transform((raw) =>
          Object.fromEntries(
            raw
              .split(',')
              .filter(Boolean)
              .map((pair) => [
                pair.slice(0, pair.lastIndexOf(':')),
                Number(pair.slice(pair.lastIndexOf(':') + 1)),
              ]),
          ),
        )
        .refine(
          (weights) => Object.values(weights).every((w) => w >= MIN_CPU_SHARES && w <= MAX_CPU_SHARES),
          `each weight must be in ${MIN_CPU_SHARES}…${MAX_CPU_SHARES}`,
        ),
      /** Start Prometheus when the `prometheus` binary is installed: auto | on | off. */
      PROMETHEUS: z.enum(['auto', 'on', 'off']).default('auto'),
      PROMETHEUS_PORT: int(9090, 1024, 65000),
      /** kafka-sharded (the design) or a baseline, sync-db | rabbitmq (src/modes.ts). */
      MODE: z.enum(STACK_MODES).default('kafka-sharded'),
      /** MODE=rabbitmq: AMQP port, Erlang distribution port and the port of the stack's own epmd. */
      RABBITMQ_PORT: int(5672, 1024, 65000),
      RABBITMQ_DIST_PORT: int(25672, 1024, 65000),
      RABBITMQ_EPMD_PORT: int(14369, 1024, 65000),
      /**
       * STACK_RUNTIME=containers: the state file of a container set that `tillstream-stack containers-up`
       * started, for every test file to share instead of starting its own.
       */
      STACK_CONTAINERS_STATE: z.string().optional(),
    },
    env,
    (e) => ({
      stackDir: path.resolve(e.STACK_DIR),
      containersState: e.STACK_CONTAINERS_STATE && path.resolve(e.STACK_CONTAINERS_STATE),
      kafka: {
        nodes: e.KAFKA_NODES,
        port: e.KAFKA_PORT,
        controllerPort: e.KAFKA_CONTROLLER_PORT,
        partitions: e.KAFKA_PARTITIONS,
        network: e.KAFKA_NETWORK,
        topic: e.KAFKA_TOPIC,
        dlqTopic: e.KAFKA_DLQ_TOPIC,
        heapMb: e.KAFKA_HEAP_MB,
        home: e.KAFKA_HOME,
        cacheDir: e.KAFKA_CACHE_DIR,
        replicationFactor: Math.min(3, e.KAFKA_NODES),
      },
      shards: {
        count: shardCountFor(e.MODE, e.SHARD_COUNT),
        basePort: e.SHARD_BASE_PORT,
        binDir: e.PG_BIN_DIR,
        pgOptions: e.SHARD_PG_OPTIONS.split(/\s+/).filter(Boolean),
        user: e.PG_USER,
        password: e.PG_PASSWORD,
        database: e.PG_DATABASE,
      },
      services: {
        enabled: e.STACK_SERVICES,
        purchasePort: e.PURCHASE_PORT,
        storePort: e.STORE_PORT,
        consumerPort: e.CONSUMER_PORT,
        purchaseWorkers: e.PURCHASE_WORKERS,
        storeWorkers: e.STORE_WORKERS,
        faketime: e.STACK_FAKETIME_SERVICES,
        nodeArgs: e.STACK_SERVICE_NODE_ARGS.split(/\s+/).filter(Boolean),
      },
      cpuShares: e.STACK_CPU_SHARES as Readonly<Record<string, number>>,
      /** The STACK_SHAPE_SETTINGS set in the environment, as given. */
      shape: Object.fromEntries(
        STACK_SHAPE_SETTINGS.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])),
      ) as Readonly<Record<string, string>>,
      prometheus: { mode: e.PROMETHEUS, port: e.PROMETHEUS_PORT },
      mode: e.MODE,
      rabbitmq: {
        port: e.RABBITMQ_PORT,
        distPort: e.RABBITMQ_DIST_PORT,
        epmdPort: e.RABBITMQ_EPMD_PORT,
        dir: path.join(path.resolve(e.STACK_DIR), 'rabbitmq'),
      },
    }),
  );
}

export type StackSettings = ReturnType<typeof loadStackSettings>;
