import type { Logger } from '@tillstream/observability';
import { decideStart, type BlockReason, type PartitionLog } from './assignment.js';
import type { StoredOffset } from '../types.js';

export interface PartitionGateDeps {
  readonly shardOf: (partition: number) => number;
  /** The shard's stored progress of `partitions` (all on that shard). */
  readonly readStored: (shard: number, partitions: readonly number[]) => Promise<Map<number, StoredOffset>>;
  /** Log start and end of every partition of the topic. */
  readonly readLog: () => Promise<Map<number, PartitionLog>>;
  /**
   * The topic's current id, from a request sent when called; undefined when the broker has no topic
   * ids. Rejects when it is gone.
   */
  readonly readTopicId: () => Promise<string | undefined>;
  readonly pause: (partitions: readonly number[]) => void;
  readonly resume: (partitions: readonly number[]) => void;
  readonly seek: (partition: number, offset: number) => void;
  readonly onBlocked: (partition: number, reason: BlockReason | undefined) => void;
  readonly log: Logger;
  /** Delay before a failed check (shard or broker unreachable) is tried again. */
  readonly retryMs: number;
}

/**
 * Holds back every assigned partition until it has been sought to its shard's stored offset, and
 * stops (keeps paused, reports) a partition whose stored offset cannot belong to the topic's
 * current log — a re-created topic, or an offset beyond the log end. Kafka only ever sees the
 * offsets the shards hold, so a shard restored from a backup re-reads what it lacks.
 *
 * Every check carries the generation it was started for; a rebalance starts a new generation, and
 * the results of an older check are dropped (their partitions may belong to another member now).
 *
 * A fetch carries no topic id (kafkajs speaks Fetch versions without one), so a batch fetched just
 * after the topic was deleted and created again looks like the old incarnation's next events. Every
 * batch is therefore admitted only by a topic id read sent after the batch arrived: an id the gate
 * already knows proves the batch belongs to it (ids never come back). Batches arriving together
 * share one read. The read goes to one broker: one whose metadata lags the partition leader's can
 * still answer with the old id for as long as it lags (in KRaft, the time to apply the metadata log's
 * latest records), and the transaction's own check (the shard row's incarnation) sees no more.
 */
export function createPartitionGate(deps: PartitionGateDeps) {
  let generation = 0;
  let assigned = new Set<number>();
  /** Partitions paused until their check completes (or for good, while blocked). */
  const held = new Set<number>();
  const blocked = new Map<number, { reason: BlockReason; detail: string }>();
  let topicId: string | undefined;
  /** Log start offsets from the last check: a batch starting there may follow a retention gap. */
  const logStarts = new Map<number, number>();
  /** How far each partition has been applied (or sought): its shard must hold at least this. */
  const positions = new Map<number, number>();
  let retryTimer: NodeJS.Timeout | undefined;
  /** The topic id read in flight, and the one queued behind it for callers that came after it was sent. */
  let reading: Promise<string | undefined> | undefined;
  let queued: Promise<string | undefined> | undefined;

  function startRead(): Promise<string | undefined> {
    const read = deps.readTopicId();
    reading = read;
    const done = () => {
      if (reading === read) reading = undefined;
    };
    read.then(done, done);
    return read;
  }

  /** The topic id from a read sent after this call (joining one not yet sent, if any). */
  function readTopicIdAfterNow(): Promise<string | undefined> {
    if (queued !== undefined) return queued;
    if (reading === undefined) return startRead();
    const after = reading.then(
      () => undefined,
      () => undefined,
    );
    queued = after.then(() => {
      queued = undefined;
      return startRead();
    });
    return queued;
  }

  /** The topic has a new id: every partition is checked again (and those of the old one stop). */
  function topicIdChanged(current: string | undefined): void {
    deps.log.error(
      { previous: topicId, current },
      'the topic id changed (the topic was deleted and created again): checking every partition',
    );
    topicId = current;
    hold([...assigned].filter((p) => !held.has(p)));
  }

  function setBlocked(partition: number, reason: BlockReason, detail: string): void {
    const previous = blocked.get(partition);
    blocked.set(partition, { reason, detail });
    deps.onBlocked(partition, reason);
    if (previous?.reason !== reason) {
      deps.log.error(
        { partition, reason, code: 'TOPIC_INCARNATION_MISMATCH' },
        `PARTITION STOPPED: ${detail}. Nothing of it is applied until an operator accepts the topic's current incarnation: node services/consumer/dist/offsets-cli.js accept (see services/consumer/README.md)`,
      );
    }
  }

  function clearBlocked(partition: number): void {
    if (!blocked.delete(partition)) return;
    deps.onBlocked(partition, undefined);
    deps.log.info({ partition }, 'partition unblocked: its shard offsets match the topic again');
  }

  async function check(partitions: readonly number[], forGeneration: number): Promise<void> {
    const current = await deps.readTopicId();
    const logs = await deps.readLog();
    const byShard = new Map<number, number[]>();
    for (const p of partitions) byShard.set(deps.shardOf(p), [...(byShard.get(deps.shardOf(p)) ?? []), p]);
    const stored = new Map<number, StoredOffset>();
    await Promise.all(
      [...byShard].map(async ([shard, ps]) => {
        for (const [p, offset] of await deps.readStored(shard, ps)) stored.set(p, offset);
      }),
    );
    if (forGeneration !== generation) return;
    if (topicId !== undefined && current !== topicId) topicIdChanged(current);
    else topicId = current;
    const resumed: number[] = [];
    for (const partition of partitions) {
      if (!assigned.has(partition)) continue;
      const log = logs.get(partition);
      if (log === undefined) {
        setBlocked(
          partition,
          'offset-beyond-log-end',
          `partition ${partition} is not in the topic's metadata`,
        );
        continue;
      }
      logStarts.set(partition, log.low);
      const start = decideStart(partition, stored.get(partition), log, current);
      if (start.kind === 'blocked') {
        setBlocked(partition, start.reason, start.detail);
        continue;
      }
      if (start.warning !== undefined) deps.log.error({ partition }, start.warning);
      clearBlocked(partition);
      deps.seek(partition, start.offset);
      positions.set(partition, start.offset);
      held.delete(partition);
      resumed.push(partition);
    }
    if (resumed.length > 0) {
      deps.resume(resumed);
      deps.log.info({ partitions: resumed, topicId: current }, 'partitions sought to their shard offsets');
    }
  }

  function run(partitions: readonly number[]): void {
    const forGeneration = generation;
    check(partitions, forGeneration).catch((error: Error) => {
      if (forGeneration !== generation) return;
      deps.log.warn(
        { partitions, err: error.message, retryInMs: deps.retryMs },
        'could not read the shard offsets or the topic log; partitions stay paused',
      );
      clearTimeout(retryTimer);
      // One timer for every failed check: it checks all partitions still held, whichever check held them.
      retryTimer = setTimeout(() => {
        if (forGeneration === generation) run([...held]);
      }, deps.retryMs);
      retryTimer.unref();
    });
  }

  /**
   * A shard restored from a backup (or failed over) while its partitions are idle: no batch would
   * notice it lacks what was applied. Compares every shard's stored offsets with the positions this
   * member has applied; a partition whose shard is behind is held and sought back to the shard.
   */
  async function findRegressedShards(): Promise<void> {
    const snapshot = new Map([...positions].filter(([p]) => assigned.has(p) && !held.has(p)));
    const byShard = new Map<number, number[]>();
    for (const p of snapshot.keys())
      byShard.set(deps.shardOf(p), [...(byShard.get(deps.shardOf(p)) ?? []), p]);
    const behind: number[] = [];
    await Promise.all(
      [...byShard].map(async ([shard, ps]) => {
        let stored: Map<number, StoredOffset>;
        try {
          stored = await deps.readStored(shard, ps);
        } catch {
          return; // unreachable: its batches fail and retry; checked again on the next poll
        }
        for (const p of ps) {
          const at = stored.get(p)?.nextOffset ?? 0;
          if (at < snapshot.get(p)!) {
            deps.log.warn(
              { partition: p, shard, stored: at, applied: snapshot.get(p) },
              'the shard holds less of the partition than was applied (restored from a backup, or failed over?): seeking back to its offset',
            );
            behind.push(p);
          }
        }
      }),
    );
    hold(behind.filter((p) => !held.has(p)));
  }

  function hold(partitions: readonly number[]): void {
    const fresh = partitions.filter((p) => assigned.has(p));
    if (fresh.length === 0) return;
    for (const p of fresh) held.add(p);
    deps.pause(fresh);
    run(fresh);
  }

  return {
    /** A new assignment (GROUP_JOIN): pause everything assigned, then seek each to its shard's offset. */
    assign(partitions: readonly number[]): void {
      generation += 1;
      clearTimeout(retryTimer);
      assigned = new Set(partitions);
      held.clear();
      positions.clear();
      // Partitions gone to another member are theirs to report; the rest report 0 until stopped.
      for (const p of [...blocked.keys()]) if (!assigned.has(p)) blocked.delete(p);
      for (const p of partitions) if (!blocked.has(p)) deps.onBlocked(p, undefined);
      hold(partitions);
    },
    /** Pause `partitions` and check them again (their position may no longer match their shard). */
    recheck(partitions: readonly number[]): void {
      hold(partitions.filter((p) => !held.has(p)));
    },
    /** A transaction found the partition's offsets belong to another incarnation. */
    block(partition: number, detail: string): void {
      if (!assigned.has(partition)) return;
      held.add(partition);
      deps.pause([partition]);
      setBlocked(partition, 'topic-recreated', detail);
    },
    /**
     * The periodic check: a changed topic id re-checks every partition; blocked ones are checked
     * again, so that they resume once an operator has accepted the current incarnation.
     */
    async poll(): Promise<void> {
      if (assigned.size === 0) return;
      let current: string | undefined;
      try {
        current = await deps.readTopicId();
      } catch (error) {
        deps.log.warn({ err: (error as Error).message }, 'topic id check failed');
        return;
      }
      if (current !== topicId && topicId !== undefined) topicIdChanged(current);
      const waiting = [...blocked.keys()].filter((p) => held.has(p));
      if (waiting.length > 0) run(waiting);
      await findRegressedShards();
    },
    /**
     * Whether a batch of the partition that has just arrived may be applied: true once a topic id
     * read sent after now returns the id the partition was checked against. Otherwise the partition
     * is held (and every partition checked again when the id changed); its batch must be dropped.
     */
    async admit(partition: number): Promise<boolean> {
      if (held.has(partition)) return false;
      const forGeneration = generation;
      let current: string | undefined;
      try {
        current = await readTopicIdAfterNow();
      } catch (error) {
        if (forGeneration !== generation) return false;
        deps.log.warn({ partition, err: (error as Error).message }, 'topic id check failed: partition held');
        hold([partition]);
        return false;
      }
      if (forGeneration !== generation) return false;
      if (current !== topicId && topicId !== undefined) topicIdChanged(current);
      return !held.has(partition);
    },
    /** A batch of the partition was applied up to (excluding) `position`. */
    applied(partition: number, position: number): void {
      if (assigned.has(partition) && !held.has(partition)) {
        positions.set(partition, Math.max(position, positions.get(partition) ?? 0));
      }
    },
    /** True while the partition waits for its check or is blocked: its batches must not be applied. */
    isHeld(partition: number): boolean {
      return held.has(partition);
    },
    /** The partition's log start at its last check (0 before any). */
    logStart(partition: number): number {
      return logStarts.get(partition) ?? 0;
    },
    /** The topic id last verified: transactions refuse offsets of another incarnation. */
    topicId(): string | undefined {
      return topicId;
    },
    blocked(): ReadonlyMap<number, { reason: BlockReason; detail: string }> {
      return blocked;
    },
    stop(): void {
      generation += 1;
      clearTimeout(retryTimer);
    },
  };
}

export type PartitionGate = ReturnType<typeof createPartitionGate>;
