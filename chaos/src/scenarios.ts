/**
 * The five scenarios of `make chaos`: what each does to the system and for how long (pure).
 */
import {
  KILL_ROTATION,
  rotatingSchedule,
  singleFault,
  type FaultKind,
  type PlannedFault,
} from './schedule.js';

export const SCENARIO_NAMES = ['kill', 'netcut', 'shard', 'skew', 'slow'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** The parts of the configuration a plan depends on. */
export interface PlanOptions {
  readonly durationS?: number | undefined;
  readonly firstFaultS: number;
  readonly faultIntervalS: number;
  readonly outageS: number;
  readonly recoveryS: number;
  readonly kills: readonly FaultKind[];
  readonly skew: string;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  readonly durationS: number;
  readonly faults: readonly PlannedFault[];
  /** STACK_FAKETIME_SERVICES for the scenario's stack. */
  readonly faketime?: string;
  /** Whether the scenario wants each Kafka node in its own network namespace. */
  readonly wantsNetns: boolean;
}

const DEFAULT_DURATION_S: Record<ScenarioName, number> = {
  kill: 300,
  netcut: 150,
  shard: 150,
  skew: 90,
  slow: 150,
};

export function planScenario(name: ScenarioName, o: PlanOptions): Scenario {
  const durationS = o.durationS ?? DEFAULT_DURATION_S[name];
  switch (name) {
    case 'kill':
      return {
        name,
        description: `SIGKILL one process every ${o.faultIntervalS} s, rotating over ${(o.kills.length > 0 ? o.kills : KILL_ROTATION).join(', ')}; the supervisor (or the purchase primary) restarts it`,
        durationS,
        faults: rotatingSchedule(o.kills.length > 0 ? o.kills : KILL_ROTATION, {
          firstAtS: o.firstFaultS,
          intervalS: o.faultIntervalS,
          durationS,
          quietS: Math.min(o.recoveryS, o.faultIntervalS),
        }),
        wantsNetns: false,
      };
    case 'netcut':
      return {
        name,
        description: `the network of one Kafka node (a partition leader) cut for ${o.outageS} s, then healed`,
        durationS,
        faults: singleFault('cut-kafka-node', o.firstFaultS, o.outageS, durationS, o.recoveryS),
        wantsNetns: true,
      };
    case 'shard':
      return {
        name,
        description: `one PostgreSQL shard stopped for ${o.outageS} s (held down), then restarted`,
        durationS,
        faults: singleFault('stop-shard', o.firstFaultS, o.outageS, durationS, o.recoveryS),
        wantsNetns: false,
      };
    case 'skew':
      return {
        name,
        description: `service clocks skewed for the whole run (${o.skew}, libfaketime); correctness must not depend on wall clocks agreeing`,
        durationS,
        faults: [],
        faketime: o.skew,
        wantsNetns: false,
      };
    case 'slow':
      return {
        name,
        description: `the consumer throttled for ${o.outageS} s (stopped most of every second) so lag grows, then released`,
        durationS,
        faults: singleFault('throttle-consumer', o.firstFaultS, o.outageS, durationS, o.recoveryS),
        wantsNetns: false,
      };
  }
}
