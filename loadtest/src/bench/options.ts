/**
 * The options of the three benchmarks, parsed and checked before anything starts: command-line flags
 * for the purchase and store benchmarks, BENCH_* environment variables for the consumer benchmark. A
 * value that is not a number in range is a ConfigError naming it.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, logLevel } from '@tillstream/config';
import { MAX_CPU_SHARES, MIN_CPU_SHARES } from '@tillstream/stack';
import { REPO_ROOT } from '../paths.js';

/** `value` as a number of at least `min` (an integer unless `fractional`), or a ConfigError naming `name`. */
export function numberOption(name: string, value: string, min: number, fractional = false): number {
  const number = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(number) || number < min || (!fractional && !Number.isInteger(number)))
    throw new ConfigError([
      `${name} must be ${fractional ? 'a number' : 'an integer'} ≥ ${min}, got ${JSON.stringify(value)}`,
    ]);
  return number;
}

/** --read-cpu-shares: 0 (off) or a weight the kernel accepts for cpu.shares. */
function cpuSharesOption(value: string): number {
  const shares = numberOption('--read-cpu-shares', value, 0);
  if (shares !== 0 && (shares < MIN_CPU_SHARES || shares > MAX_CPU_SHARES))
    throw new ConfigError([
      `--read-cpu-shares must be 0 or in ${MIN_CPU_SHARES}…${MAX_CPU_SHARES}, got ${value}`,
    ]);
  return shares;
}

/** The services' own LOG_LEVEL rule (@tillstream/config), for a flag. */
function logLevelOption(value: string): string {
  const parsed = logLevel().safeParse(value);
  if (!parsed.success)
    throw new ConfigError([
      `--log-level must be one of ${logLevel().removeDefault().options.join(', ')}, got ${JSON.stringify(value)}`,
    ]);
  return parsed.data;
}

export interface PurchaseBenchOptions {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly workers: number;
  readonly partitions: number;
  /** The purchase service's LOG_LEVEL: `debug` adds its per-purchase audit line. */
  readonly logLevel: string;
  readonly out: string;
}

export function purchaseBenchOptions(argv: readonly string[], defaultWorkers: number): PurchaseBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      connections: { type: 'string', default: '256' },
      warmup: { type: 'string', default: '5' },
      duration: { type: 'string', default: '20' },
      workers: { type: 'string', default: String(defaultWorkers) },
      partitions: { type: 'string', default: '12' },
      'log-level': { type: 'string', default: 'info' },
      out: { type: 'string', default: path.join(REPO_ROOT, 'results', 'bench', 'purchase') },
    },
  });
  return {
    connections: numberOption('--connections', values.connections, 1),
    warmupSeconds: numberOption('--warmup', values.warmup, 0, true),
    durationSeconds: numberOption('--duration', values.duration, 0, true),
    workers: numberOption('--workers', values.workers, 1),
    partitions: numberOption('--partitions', values.partitions, 1),
    logLevel: logLevelOption(values['log-level']),
    out: path.resolve(values.out),
  };
}

export const STORE_BENCH_USAGE = `usage: node loadtest/dist/bench/store-latency.js [options]
  --duration-s 15 --warmup-s 3       measured / unrecorded seconds per phase
  --readers 100 --writers 256        concurrent store readers / purchase writers
  --write-share 0.5                  the writers of the read phases are paced open-loop at this share of the
                                     write capacity the run measured first (the writers closed-loop, alone)
  --reader-rate 0                    requests/s per reader, paced with latency counted from when a request
                                     was due (coordinated omission corrected); 0: closed loop, each reader
                                     sends its next request when the last one answers
  --read-priority=0                  nice value for the read path: the readers (this process's main thread),
                                     the store service, its PostgreSQL backends and the scheduling probe;
                                     e.g. --read-priority=-10 (root); a nice value ranks threads only within one
                                     session's autogroup, so it barely reaches across to the stack's services
  --read-cpu-shares 0                the read path (the same threads) in a cgroup v1 cpu group with this
                                     cpu.shares, against 1024 for everything else: what a CPU request gives
                                     the read tier's containers; 0: off (root, /sys/fs/cgroup/cpu)
  --store-workers 2                  STORE_WORKERS of the store under test
  --pool-size 8                      STORE_POOL_SIZE: connections per shard database per store worker
  --stores 2000 --items 1000 --items-per-store 40   pre-filled aggregates (a fresh bench database per shard)
  --cache-ttl-ms 500                 STORE_CACHE_TTL_MS
  --store-node-options ""            NODE_OPTIONS of the store under test (e.g. V8 heap flags:
                                     "--max-semi-space-size=32")
  --replica streaming|connection|none  replicas for the hedged phases: a pg_basebackup hot standby of every
                                     shard server, or a second pool to the same database, or no hedged phases
  --tail-fraction 0.05 --tail-delay-ms 20   injected tail on the primaries for the tail phases; --no-tail skips them
  --purchase-url http://127.0.0.1:8080  the running purchase service (bearer key: PURCHASE_API_KEY, else the stack's);
                                     --no-purchase-load, or an unreachable one, loads only the store path
  --visibility-interval-ms 250 --visibility-poll-ms 20   the visibility probe of the phases with paced writes:
                                     one purchase to a store of its own (the store after --stores, on the
                                     stack) per interval, read back through the stack's Store API every poll;
                                     201 to Store API per purchase. --visibility-interval-ms 0: no probe
  --out results/bench/store
  --note "…"                         a sentence printed in the results README (e.g. how busy the machine was)`;

/** The flags as given (strings, recorded as the record's settings) and their values. */
export interface StoreBenchOptions {
  readonly flags: Readonly<Record<string, string | boolean>>;
  readonly help: boolean;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly readers: number;
  readonly readerRate: number;
  readonly readPriority: number;
  readonly readCpuShares: number;
  readonly writers: number;
  readonly writeShare: number;
  readonly storeWorkers: number;
  readonly poolSize: number;
  readonly stores: number;
  readonly items: number;
  readonly itemsPerStore: number;
  readonly cacheTtlMs: number;
  readonly storeNodeOptions: string;
  readonly replica: 'streaming' | 'connection' | 'none';
  readonly tailFraction: number;
  readonly tailDelayMs: number;
  readonly tail: boolean;
  readonly purchaseUrl: string;
  readonly purchaseLoad: boolean;
  readonly visibilityIntervalMs: number;
  readonly visibilityPollMs: number;
  readonly out: string;
  readonly note: string;
}

export function storeBenchOptions(argv: readonly string[]): StoreBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'duration-s': { type: 'string', default: '15' },
      'warmup-s': { type: 'string', default: '3' },
      readers: { type: 'string', default: '100' },
      'reader-rate': { type: 'string', default: '0' },
      'read-priority': { type: 'string', default: '0' },
      'read-cpu-shares': { type: 'string', default: '0' },
      writers: { type: 'string', default: '256' },
      'write-share': { type: 'string', default: '0.5' },
      'store-workers': { type: 'string', default: '2' },
      'pool-size': { type: 'string', default: '8' },
      stores: { type: 'string', default: '2000' },
      items: { type: 'string', default: '1000' },
      'items-per-store': { type: 'string', default: '40' },
      'cache-ttl-ms': { type: 'string', default: '500' },
      'store-node-options': { type: 'string', default: '' },
      replica: { type: 'string', default: 'streaming' },
      'tail-fraction': { type: 'string', default: '0.05' },
      'tail-delay-ms': { type: 'string', default: '20' },
      'no-tail': { type: 'boolean', default: false },
      'purchase-url': { type: 'string', default: 'http://127.0.0.1:8080' },
      'no-purchase-load': { type: 'boolean', default: false },
      'visibility-interval-ms': { type: 'string', default: '250' },
      'visibility-poll-ms': { type: 'string', default: '20' },
      out: { type: 'string', default: path.join(REPO_ROOT, 'results', 'bench', 'store') },
      note: { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
  });
  const replica = values.replica;
  if (replica !== 'streaming' && replica !== 'connection' && replica !== 'none')
    throw new ConfigError([
      `--replica must be streaming, connection or none, got ${JSON.stringify(replica)}`,
    ]);
  const priority = Number(values['read-priority']);
  if (!Number.isInteger(priority) || priority < -20 || priority > 19)
    throw new ConfigError([`--read-priority must be an integer in -20…19, got ${values['read-priority']}`]);
  return {
    flags: values,
    help: values.help,
    durationMs: numberOption('--duration-s', values['duration-s'], 0, true) * 1000,
    warmupMs: numberOption('--warmup-s', values['warmup-s'], 0, true) * 1000,
    readers: numberOption('--readers', values.readers, 1),
    readerRate: numberOption('--reader-rate', values['reader-rate'], 0, true),
    readPriority: priority,
    readCpuShares: cpuSharesOption(values['read-cpu-shares']),
    writers: numberOption('--writers', values.writers, 1),
    writeShare: numberOption('--write-share', values['write-share'], 0, true),
    storeWorkers: numberOption('--store-workers', values['store-workers'], 1),
    poolSize: numberOption('--pool-size', values['pool-size'], 1),
    stores: numberOption('--stores', values.stores, 1),
    items: numberOption('--items', values.items, 1),
    itemsPerStore: numberOption('--items-per-store', values['items-per-store'], 1),
    cacheTtlMs: numberOption('--cache-ttl-ms', values['cache-ttl-ms'], 0),
    storeNodeOptions: values['store-node-options'],
    replica,
    tailFraction: numberOption('--tail-fraction', values['tail-fraction'], 0, true),
    tailDelayMs: numberOption('--tail-delay-ms', values['tail-delay-ms'], 0, true),
    tail: !values['no-tail'],
    purchaseUrl: values['purchase-url'],
    purchaseLoad: !values['no-purchase-load'],
    visibilityIntervalMs: numberOption('--visibility-interval-ms', values['visibility-interval-ms'], 0, true),
    visibilityPollMs: numberOption('--visibility-poll-ms', values['visibility-poll-ms'], 1),
    out: path.resolve(values.out),
    note: values.note,
  };
}

export interface ConsumerBenchSettings {
  /** Purchases pre-filled into the topic and drained. */
  readonly events: number;
  readonly partitions: number;
  /** Partitions consumed concurrently, pool size, and the raw insert's connections. */
  readonly concurrency: number;
  /** Requests of the ingest measurement, and its concurrent clients. */
  readonly ingestRequests: number;
  readonly ingestClients: number;
}

export function consumerBenchSettings(env: NodeJS.ProcessEnv): ConsumerBenchSettings {
  const setting = (name: string, fallback: number) => numberOption(name, env[name] ?? String(fallback), 1);
  return {
    events: setting('BENCH_EVENTS', 30_000),
    partitions: setting('BENCH_PARTITIONS', 12),
    concurrency: setting('BENCH_CONCURRENCY', 4),
    ingestRequests: setting('BENCH_INGEST_REQUESTS', 10_000),
    ingestClients: setting('BENCH_INGEST_CLIENTS', 64),
  };
}
