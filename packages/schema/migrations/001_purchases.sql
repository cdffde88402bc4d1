-- One shard's data. Every shard has the same schema; the shard map decides which stores live here.

-- Raw purchases: enough to rebuild every aggregate. purchase_id is the idempotency key of the
-- exactly-once effect (docs/adr/004-exactly-once.md): a redelivered event inserts nothing.
CREATE TABLE purchases (
  purchase_id     uuid        PRIMARY KEY,
  store_id        integer     NOT NULL,
  customer_id     integer     NOT NULL,
  purchase_date   date        NOT NULL,
  received_at     timestamptz NOT NULL,
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL,
  written_at      timestamptz NOT NULL DEFAULT now()
);

-- Line items, one row per distinct item of a purchase. No foreign key: rows are only ever written in
-- the same statement as their purchase, and the check would cost a lookup per item.
CREATE TABLE purchase_items (
  purchase_id uuid    NOT NULL,
  item_id     integer NOT NULL,
  quantity    integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (purchase_id, item_id)
);

-- Total quantity per (store, item), maintained in the same transaction as the raw rows.
CREATE TABLE store_item_totals (
  store_id integer NOT NULL,
  item_id  integer NOT NULL,
  quantity bigint  NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (store_id, item_id)
);
-- "Top 10 items of store S": an index scan of the first 10 entries under store_id = S.
CREATE INDEX store_item_totals_top_items ON store_item_totals (store_id, quantity DESC, item_id ASC);
-- "Top 10 stores of item I": an index scan of the first 10 entries under item_id = I.
CREATE INDEX store_item_totals_top_stores ON store_item_totals (item_id, quantity DESC, store_id ASC);

-- The next offset to apply per topic-partition, written in the same transaction as the rows it covers.
CREATE TABLE consumer_offsets (
  topic           text        NOT NULL,
  kafka_partition integer     NOT NULL,
  next_offset     bigint      NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, kafka_partition)
);
