import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { assertShardIdentities, type ShardIdentity, type Topology } from '@tillstream/contract';

/** The identity row of a shard (migrations/002_shard_identity.sql). */
export const READ_SHARD_IDENTITY_SQL =
  'SELECT cluster_id, shard_index, shard_count, partition_count FROM shard_identity';

const INSERT_SHARD_IDENTITY_SQL = `INSERT INTO shard_identity (cluster_id, shard_index, shard_count, partition_count)
VALUES ($1, $2, $3, $4) ON CONFLICT (singleton) DO NOTHING`;

interface IdentityRow {
  cluster_id: string;
  shard_index: number;
  shard_count: number;
  partition_count: number;
}

/** Anything that runs a query: a pg Client, PoolClient or Pool. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The shard's identity row; undefined when it has none (or the table does not exist yet). */
export async function readShardIdentity(db: Queryable): Promise<ShardIdentity | undefined> {
  let rows: IdentityRow[];
  try {
    ({ rows } = await db.query<IdentityRow>(READ_SHARD_IDENTITY_SQL));
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return undefined; // undefined_table
    throw error;
  }
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    clusterId: row.cluster_id,
    shardIndex: row.shard_index,
    shardCount: row.shard_count,
    partitionCount: row.partition_count,
  };
}

/** Host, port and database of a shard URL: names an entry in messages without its password. */
export function describeShardUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return '<unparseable url>';
  }
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Gives every shard of SHARD_URLS (already migrated) its identity row, if it has none: shard i is
 * entry i, and all share one cluster id — the one the shards that already have a row carry, or a new
 * one when none does. Then checks all of them, so a misordered SHARD_URLS, another shard or
 * partition count, or a shard of another cluster is refused (ShardIdentityError) instead of recorded.
 */
export async function claimShardIdentities(
  urls: readonly string[],
  partitionCount: number,
): Promise<ShardIdentity[]> {
  const topology: Topology = { shardCount: urls.length, partitionCount };
  const label = (entry: number) => describeShardUrl(urls[entry]!);
  const found = await Promise.all(urls.map((url) => withClient(url, readShardIdentity)));
  const existing = found.filter((f): f is ShardIdentity => f !== undefined);
  // Check the rows already there before writing any: never extend a cluster from a misordered list.
  // An entry without a row stands in as the shard of its position until it gets one.
  if (existing.length > 0) {
    const placeholder = (entry: number): ShardIdentity => ({
      clusterId: existing[0]!.clusterId,
      shardIndex: entry,
      shardCount: urls.length,
      partitionCount,
    });
    assertShardIdentities(
      found.map((f, entry) => f ?? placeholder(entry)),
      topology,
      label,
    );
  }
  const clusterId = existing[0]?.clusterId ?? randomUUID();
  await Promise.all(
    urls.map(async (url, entry) => {
      if (found[entry] !== undefined) return;
      await withClient(url, (client) =>
        client.query(INSERT_SHARD_IDENTITY_SQL, [clusterId, entry, urls.length, partitionCount]),
      );
    }),
  );
  const written = await Promise.all(urls.map((url) => withClient(url, readShardIdentity)));
  assertShardIdentities(written, topology, label);
  return written as ShardIdentity[];
}

/** The identity row of the shard database at `url` (one short-lived connection). */
export function readShardIdentityAt(url: string): Promise<ShardIdentity | undefined> {
  return withClient(url, readShardIdentity);
}

/** Reads every shard's identity and checks it against SHARD_URLS and KAFKA_PARTITIONS. */
export async function checkShardIdentities(
  urls: readonly string[],
  partitionCount: number,
): Promise<ShardIdentity[]> {
  const found = await Promise.all(urls.map((url) => withClient(url, readShardIdentity)));
  assertShardIdentities(found, { shardCount: urls.length, partitionCount }, (entry) =>
    describeShardUrl(urls[entry]!),
  );
  return found as ShardIdentity[];
}
