-- Which shard of which cluster this database is. Exactly one row, written by the migration runner
-- (packages/schema/src/identity.ts) right after the migrations, never by SQL alone: its values come
-- from SHARD_URLS (position and length) and KAFKA_PARTITIONS. The consumer, the store service and
-- the migration runner refuse to start when SHARD_URLS is misordered or the counts differ.
CREATE TABLE shard_identity (
  singleton       boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  cluster_id      uuid        NOT NULL,
  shard_index     integer     NOT NULL CHECK (shard_index >= 0),
  shard_count     integer     NOT NULL CHECK (shard_count > shard_index),
  partition_count integer     NOT NULL CHECK (partition_count >= shard_count),
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- The incarnation of the topic the offsets belong to: Kafka's topic id (a UUID the broker gives a
-- topic when it is created; a deleted and re-created topic gets a new one). NULL on rows written
-- before this column existed, or when the broker does not expose topic ids; the consumer fills it
-- in on its next transaction for the partition.
ALTER TABLE consumer_offsets ADD COLUMN topic_id text;
