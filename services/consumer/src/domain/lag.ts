/**
 * Lag per assigned partition = high watermark − the next offset this member will apply. High
 * watermarks come with every fetched batch and, for paused or idle partitions, from a periodic admin
 * query; positions from applied batches or, before the first, from the group's committed offsets.
 */
export function createLagTracker() {
  let assigned = new Set<number>();
  const highWatermarks = new Map<number, number>();
  const positions = new Map<number, number>();

  return {
    /** Replaces the assignment; returns the partitions that were dropped. */
    assign(partitions: readonly number[]): number[] {
      const next = new Set(partitions);
      const dropped = [...assigned].filter((p) => !next.has(p));
      for (const p of dropped) {
        highWatermarks.delete(p);
        positions.delete(p);
      }
      assigned = next;
      return dropped;
    },
    assigned(): ReadonlySet<number> {
      return assigned;
    },
    recordHighWatermark(partition: number, highWatermark: number): void {
      if (assigned.has(partition)) highWatermarks.set(partition, highWatermark);
    },
    recordPosition(partition: number, position: number): void {
      if (!assigned.has(partition)) return;
      positions.set(partition, Math.max(position, positions.get(partition) ?? 0));
    },
    /** A committed offset from the broker: only raises a position this member has not passed. */
    recordCommitted(partition: number, committed: number): void {
      if (committed >= 0) this.recordPosition(partition, committed);
    },
    /** Lag of every assigned partition whose high watermark is known. */
    lags(): Map<number, number> {
      const result = new Map<number, number>();
      for (const partition of assigned) {
        const high = highWatermarks.get(partition);
        if (high === undefined) continue;
        result.set(partition, Math.max(0, high - (positions.get(partition) ?? 0)));
      }
      return result;
    },
  };
}

export type LagTracker = ReturnType<typeof createLagTracker>;
