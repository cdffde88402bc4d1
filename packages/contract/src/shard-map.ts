import { ID_RANGE, isId } from './limits.js';
import { partitionForKey } from './murmur2.js';

/**
 * The topology the shard map needs. Both numbers are part of the deployment: changing either moves
 * stores between shards (see docs/adr/003-shard-map.md).
 */
export interface Topology {
  /** Partitions of the purchases topic. */
  readonly partitionCount: number;
  /** PostgreSQL shards, indexed 0 … shardCount-1. */
  readonly shardCount: number;
}

/**
 * The Kafka message key of a store's purchases: its id in decimal. Defined for every API id
 * (0 … 2147483647, store 0 included); anything else is a caller's bug and throws.
 */
export function storeKey(storeId: number): string {
  if (!isId(storeId)) throw new RangeError(`storeId ${storeId} is outside ${ID_RANGE}`);
  return String(storeId);
}

/** The partition that carries a store's purchases. */
export function partitionOfStore(storeId: number, topology: Topology): number {
  return partitionForKey(storeKey(storeId), topology.partitionCount);
}

/**
 * The shard that owns a partition. Whole partitions map to one shard, so each partition's batch is
 * one transaction on one shard, and the consumer that owns a partition owns its stores' rows.
 */
export function shardOfPartition(partition: number, topology: Topology): number {
  assertTopology(topology);
  if (!Number.isInteger(partition) || partition < 0 || partition >= topology.partitionCount) {
    throw new RangeError(`partition ${partition} is outside 0…${topology.partitionCount - 1}`);
  }
  return partition % topology.shardCount;
}

/** The shard that owns a store: the one and only rule, used by the consumer and the store service. */
export function shardOfStore(storeId: number, topology: Topology): number {
  return shardOfPartition(partitionOfStore(storeId, topology), topology);
}

/** The partitions a shard owns, ascending. */
export function partitionsOfShard(shard: number, topology: Topology): number[] {
  assertTopology(topology);
  const partitions: number[] = [];
  for (let p = shard; p < topology.partitionCount; p += topology.shardCount) partitions.push(p);
  return partitions;
}

export function assertTopology(topology: Topology): void {
  const { partitionCount, shardCount } = topology;
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new RangeError(`shardCount must be a positive integer, got ${shardCount}`);
  }
  if (!Number.isInteger(partitionCount) || partitionCount < shardCount) {
    throw new RangeError(
      `partitionCount (${partitionCount}) must be an integer ≥ shardCount (${shardCount}), or a shard owns nothing`,
    );
  }
}
