/**
 * When each fault is injected: plain functions over plain data, so the rotation and the spacing of
 * faults are unit-tested without a stack.
 */

export type FaultKind =
  | 'kill-purchase-worker'
  | 'kill-consumer'
  | 'kill-kafka-controller'
  | 'kill-kafka-leader'
  | 'kill-kafka-node'
  | 'kill-shard'
  | 'kill-store'
  | 'cut-kafka-node'
  | 'stop-shard'
  | 'throttle-consumer';

export interface PlannedFault {
  readonly kind: FaultKind;
  /** Seconds after the load started. */
  readonly atS: number;
  /** How long the fault lasts (0: instantaneous, e.g. a SIGKILL the supervisor repairs). */
  readonly holdS: number;
}

/**
 * The process killer's rotation: a purchase worker, the consumer, a Kafka node, a shard, the store —
 * and the Kafka node alternates between the active controller and a partition leader, so both are hit
 * when the rotation goes round at least twice.
 */
export const KILL_ROTATION: readonly FaultKind[] = [
  'kill-purchase-worker',
  'kill-consumer',
  'kill-kafka-controller',
  'kill-shard',
  'kill-store',
  'kill-purchase-worker',
  'kill-consumer',
  'kill-kafka-leader',
  'kill-shard',
  'kill-store',
];

/**
 * One fault every `intervalS` from `firstAtS`, cycling through `rotation`, while a fault still leaves
 * `quietS` seconds of load after it (to see the recovery) before `durationS`. At most one fault per
 * interval: the "any single process may be killed, at most one per 30 s".
 */
export function rotatingSchedule(
  rotation: readonly FaultKind[],
  options: {
    readonly firstAtS: number;
    readonly intervalS: number;
    readonly durationS: number;
    readonly quietS: number;
  },
): PlannedFault[] {
  if (rotation.length === 0) throw new RangeError('empty rotation');
  if (options.intervalS <= 0) throw new RangeError('intervalS must be positive');
  const faults: PlannedFault[] = [];
  for (
    let at = options.firstAtS, i = 0;
    at + options.quietS <= options.durationS;
    at += options.intervalS, i++
  ) {
    faults.push({ kind: rotation[i % rotation.length]!, atS: at, holdS: 0 });
  }
  return faults;
}

/** One fault held for `holdS`, starting at `atS`; the load must outlast it by `quietS`. */
export function singleFault(
  kind: FaultKind,
  atS: number,
  holdS: number,
  durationS: number,
  quietS: number,
): PlannedFault[] {
  if (atS + holdS + quietS > durationS) {
    throw new RangeError(
      `${kind}: a ${holdS} s fault at ${atS} s plus ${quietS} s of recovery does not fit in ${durationS} s of load`,
    );
  }
  return [{ kind, atS, holdS }];
}
