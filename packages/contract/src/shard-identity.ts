import type { Topology } from './shard-map.js';

/**
 * What a shard database says about itself (its `shard_identity` row, written by the migration):
 * which shard of which cluster it is, and the topology it was created for. The order of SHARD_URLS
 * is part of the shard map, so a service checks every entry against its row before it reads or
 * writes: a swapped pair of URLs would otherwise put stores on the wrong shard without any error.
 */
export interface ShardIdentity {
  /** Made once, when the first shard of the cluster is migrated; the same on every shard. */
  readonly clusterId: string;
  readonly shardIndex: number;
  readonly shardCount: number;
  readonly partitionCount: number;
}

/** A shard identity check failed; `problems` name each entry and what is wrong with it. */
export class ShardIdentityError extends Error {
  readonly code = 'SHARD_IDENTITY_MISMATCH';
  constructor(readonly problems: readonly string[]) {
    super(`shard identity check failed: ${problems.join('; ')}`);
    this.name = 'ShardIdentityError';
  }
}

/**
 * Compares the identity rows found at SHARD_URLS entries 0…n−1 (undefined: no row) with the
 * topology the service is configured with. Returns one sentence per problem; empty when all is well.
 * `label(i)` names entry i in the messages (e.g. its host and database, never its password).
 */
export function shardIdentityProblems(
  found: readonly (ShardIdentity | undefined)[],
  expected: Topology,
  label: (entry: number) => string = (entry) => `entry ${entry}`,
): string[] {
  const problems: string[] = [];
  const name = (entry: number) => `SHARD_URLS entry ${entry} (${label(entry)})`;
  if (found.length !== expected.shardCount) {
    problems.push(`${found.length} shard identities checked for ${expected.shardCount} shards`);
  }
  const clusters = new Map<string, number>();
  found.forEach((identity, entry) => {
    if (identity === undefined) {
      problems.push(
        `${name(entry)} has no shard identity row: run the migration (packages/schema, tillstream-migrate) with the same SHARD_URLS and KAFKA_PARTITIONS`,
      );
      return;
    }
    if (!clusters.has(identity.clusterId)) clusters.set(identity.clusterId, entry);
    if (identity.shardIndex !== entry) {
      problems.push(
        `${name(entry)} is shard ${identity.shardIndex}, not shard ${entry}: SHARD_URLS is misordered (entry i must be the URL of shard i)`,
      );
    }
    if (identity.shardCount !== expected.shardCount) {
      problems.push(
        `${name(entry)} belongs to a cluster of ${identity.shardCount} shards, but SHARD_URLS has ${expected.shardCount}`,
      );
    }
    if (identity.partitionCount !== expected.partitionCount) {
      problems.push(
        `${name(entry)} was created for ${identity.partitionCount} partitions, but KAFKA_PARTITIONS is ${expected.partitionCount}`,
      );
    }
  });
  if (clusters.size > 1) {
    const described = [...clusters].map(([id, entry]) => `${id} (entry ${entry})`).join(', ');
    problems.push(`SHARD_URLS mixes shards of different clusters: ${described}`);
  }
  return problems;
}

export interface ShardIdentityVerifierOptions {
  readonly expected: Topology;
  /** Reads entry i's identity row (undefined: none); rejects when the shard cannot be reached. */
  readonly read: (entry: number) => Promise<ShardIdentity | undefined>;
  readonly label?: (entry: number) => string;
}

/**
 * Checks shards one at a time, each once: at start for every shard that answers, and later, before
 * its first use, for a shard that was down at start — so one unreachable shard neither stops the
 * service from starting nor is ever used unchecked. Entries agree on one cluster id (the first one
 * verified). `verify` rejects with a ShardIdentityError on a mismatch, or with the read's error.
 */
export function createShardIdentityVerifier(options: ShardIdentityVerifierOptions) {
  const { expected, read, label } = options;
  const verified = new Map<number, ShardIdentity>();
  const pending = new Map<number, Promise<void>>();

  async function check(entry: number): Promise<void> {
    const identity = await read(entry);
    const known = [...verified.values()][0];
    // The entries not read yet stand in as the shards of their positions.
    const found = Array.from({ length: expected.shardCount }, (_, i): ShardIdentity | undefined =>
      i === entry
        ? identity
        : (verified.get(i) ?? {
            clusterId: known?.clusterId ?? identity?.clusterId ?? '',
            shardIndex: i,
            ...expected,
          }),
    );
    assertShardIdentities(found, expected, label);
    verified.set(entry, identity!);
  }

  return {
    verify(entry: number): Promise<void> {
      if (verified.has(entry)) return Promise.resolve();
      let promise = pending.get(entry);
      if (promise === undefined) {
        promise = check(entry).finally(() => pending.delete(entry));
        pending.set(entry, promise);
      }
      return promise;
    },
    /**
     * Checks every entry; resolves with the entries that could not be read (checked later, on first
     * use). Rejects with a ShardIdentityError listing every problem found.
     */
    async verifyAll(): Promise<{ unreachable: { entry: number; error: Error }[] }> {
      const entries = Array.from({ length: expected.shardCount }, (_, entry) => entry);
      const results = await Promise.allSettled(entries.map((entry) => read(entry)));
      const firstRead = results.find(
        (r): r is PromiseFulfilledResult<ShardIdentity> => r.status === 'fulfilled' && r.value !== undefined,
      );
      const clusterId = [...verified.values()][0]?.clusterId ?? firstRead?.value.clusterId ?? '';
      const found = results.map((r, entry) =>
        r.status === 'fulfilled'
          ? r.value
          : (verified.get(entry) ?? { clusterId, shardIndex: entry, ...expected }),
      );
      assertShardIdentities(found, expected, label);
      results.forEach((r, entry) => {
        if (r.status === 'fulfilled') verified.set(entry, r.value!);
      });
      return {
        unreachable: results.flatMap((r, entry) =>
          r.status === 'rejected' ? [{ entry, error: r.reason as Error }] : [],
        ),
      };
    },
    clusterId(): string | undefined {
      return [...verified.values()][0]?.clusterId;
    },
  };
}

export type ShardIdentityVerifier = ReturnType<typeof createShardIdentityVerifier>;

/** Throws a ShardIdentityError unless every entry is the shard its position says. */
export function assertShardIdentities(
  found: readonly (ShardIdentity | undefined)[],
  expected: Topology,
  label?: (entry: number) => string,
): void {
  const problems = shardIdentityProblems(found, expected, label);
  if (problems.length > 0) throw new ShardIdentityError(problems);
}
