/**
 * Which VUs the k6 shim runs: the script's `options.scenarios`, of the one executor the shim
 * implements (`per-vu-iterations`: each VU runs its iterations one after another), or k6's default of
 * one VU running one iteration. Anything else is refused by name rather than run differently from k6.
 */
import { parseDuration } from './metrics.js';

export interface ScenarioOptions {
  readonly executor?: string;
  readonly vus?: number;
  readonly iterations?: number;
  readonly exec?: string;
  readonly startTime?: string;
  readonly maxDuration?: string;
  readonly gracefulStop?: string;
  readonly tags?: Record<string, string>;
}

export interface K6Options {
  readonly scenarios?: Record<string, ScenarioOptions>;
  readonly vus?: number;
  readonly iterations?: number;
  readonly duration?: string;
  readonly stages?: unknown;
  readonly thresholds?: Record<string, string[]>;
  readonly summaryTrendStats?: string[];
  readonly discardResponseBodies?: boolean;
}

export interface PlannedScenario {
  readonly name: string;
  readonly executor: 'per-vu-iterations';
  readonly vus: number;
  readonly iterations: number;
  readonly exec: string;
  readonly startMs: number;
  readonly maxDurationMs: number;
  readonly gracefulStopMs: number;
  readonly tags: Readonly<Record<string, string>>;
  /** idInTest of the scenario's first VU; its VUs are numbered on from there. */
  readonly firstVuId: number;
}

export function planScenarios(options: K6Options): PlannedScenario[] {
  if (!options.scenarios && (options.vus !== undefined || options.iterations !== undefined)) {
    throw new Error(
      'top-level vus/iterations (the shared-iterations executor) are not implemented by the k6 shim',
    );
  }
  if (options.duration !== undefined || options.stages !== undefined) {
    throw new Error('duration and stages (time-based executors) are not implemented by the k6 shim');
  }
  const scenarios = options.scenarios ?? { default: {} };
  let nextVuId = 1;
  return Object.entries(scenarios).map(([name, s]) => {
    const executor = s.executor ?? 'per-vu-iterations';
    if (executor !== 'per-vu-iterations') {
      throw new Error(`scenario ${name}: executor ${executor} is not implemented by the k6 shim`);
    }
    const vus = s.vus ?? 1;
    const planned: PlannedScenario = {
      name,
      executor,
      vus,
      iterations: s.iterations ?? 1,
      exec: s.exec ?? 'default',
      startMs: parseDuration(s.startTime, 0),
      maxDurationMs: parseDuration(s.maxDuration, 600_000),
      gracefulStopMs: parseDuration(s.gracefulStop, 30_000),
      tags: s.tags ?? {},
      firstVuId: nextVuId,
    };
    nextVuId += vus;
    return planned;
  });
}
