/**
 * Options of `make chaos`, from the environment (parsed once, validated, frozen). Every variable is
 * documented in chaos/README.md.
 */
import { bool, int, list, loadConfig, z } from '@tillstream/config';
import { reproduceCommand } from '@tillstream/loadtest/provenance';
import { SCENARIO_NAMES, type ScenarioName } from './scenarios.js';
import type { FaultKind } from './schedule.js';

const FAULT_KINDS = [
  'kill-purchase-worker',
  'kill-consumer',
  'kill-kafka-controller',
  'kill-kafka-leader',
  'kill-kafka-node',
  'kill-shard',
  'kill-store',
] as const satisfies readonly FaultKind[];

export function loadChaosConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      SCENARIOS: list([...SCENARIO_NAMES]).pipe(z.array(z.enum(SCENARIO_NAMES)).min(1)),
      CHAOS_CLIENTS: int(256, 1, 4096),
      CHAOS_PURCHASES_PER_HOUR: int(20, 1, 100_000),
      /** Overrides every scenario's default load duration. */
      CHAOS_DURATION_S: z.coerce.number().int().min(10).max(86_400).optional(),
      CHAOS_FIRST_FAULT_S: int(30, 1, 3600),
      CHAOS_FAULT_INTERVAL_S: int(30, 5, 3600),
      CHAOS_OUTAGE_S: int(60, 1, 3600),
      CHAOS_RECOVERY_S: int(30, 0, 3600),
      CHAOS_THROTTLE_DUTY_PERCENT: int(80, 1, 99),
      CHAOS_SKEW: z.string().default('purchase:-1h,consumer:+1h'),
      CHAOS_KILLS: list().pipe(z.array(z.enum(FAULT_KINDS))),
      CHAOS_PORT_BASE: int(46_000, 1024, 64_000),
      CHAOS_KAFKA_NETWORK: z.enum(['auto', 'netns', 'loopback']).default('auto'),
      CHAOS_SHARDS: int(4, 1, 16),
      CHAOS_PARTITIONS: int(12, 1, 1000),
      CHAOS_WORKERS: int(2, 1, 64),
      CHAOS_MAX_ATTEMPTS: int(30, 1, 1000),
      CHAOS_RETRY_MAX_DELAY_MS: int(2000, 1, 600_000),
      CHAOS_REQUEST_TIMEOUT_MS: int(30_000, 100, 600_000),
      CHAOS_DRAIN_TIMEOUT_MS: int(300_000, 1000),
      RESULTS_DIR: z.string().default('results'),
      ALLOW_DIRTY: bool(false),
    },
    env,
    (e) => ({
      scenarios: e.SCENARIOS as ScenarioName[],
      clients: e.CHAOS_CLIENTS,
      purchasesPerHour: e.CHAOS_PURCHASES_PER_HOUR,
      durationS: e.CHAOS_DURATION_S,
      firstFaultS: e.CHAOS_FIRST_FAULT_S,
      faultIntervalS: e.CHAOS_FAULT_INTERVAL_S,
      outageS: e.CHAOS_OUTAGE_S,
      recoveryS: e.CHAOS_RECOVERY_S,
      throttleDuty: e.CHAOS_THROTTLE_DUTY_PERCENT / 100,
      skew: e.CHAOS_SKEW,
      kills: e.CHAOS_KILLS as FaultKind[],
      portBase: e.CHAOS_PORT_BASE,
      kafkaNetwork: e.CHAOS_KAFKA_NETWORK,
      shards: e.CHAOS_SHARDS,
      partitions: e.CHAOS_PARTITIONS,
      workers: e.CHAOS_WORKERS,
      retry: { maxAttempts: e.CHAOS_MAX_ATTEMPTS, baseDelayMs: 50, maxDelayMs: e.CHAOS_RETRY_MAX_DELAY_MS },
      requestTimeoutMs: e.CHAOS_REQUEST_TIMEOUT_MS,
      drainTimeoutMs: e.CHAOS_DRAIN_TIMEOUT_MS,
      resultsDir: e.RESULTS_DIR,
      allowDirty: e.ALLOW_DIRTY,
    }),
  );
}

export type ChaosConfig = ReturnType<typeof loadChaosConfig>;

/** A command that reproduces one scenario's run: that scenario and every CHAOS_* variable that was set. */
export function scenarioCommand(scenario: ScenarioName, env: NodeJS.ProcessEnv = process.env): string {
  const chaos = Object.keys(env)
    .filter((name) => name.startsWith('CHAOS_') && env[name])
    .sort()
    .map((name) => [name, env[name]!] as const);
  return reproduceCommand('make chaos', { SCENARIOS: scenario, ...Object.fromEntries(chaos) });
}
