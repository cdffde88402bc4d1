-- The idempotency key hash of a purchase sent with an Idempotency-Key (a UUIDv5 of the key in its
-- scope: API key id, key, path; NULL without a key). The purchase id already binds the whole request,
-- so a retry dedups on purchase_id; a second purchase id under the same hash is a key reused for a
-- different request: both are counted, and the writer reports the conflict. Only keyed rows are indexed.
ALTER TABLE purchases ADD COLUMN idempotency_key_hash uuid;
CREATE INDEX purchases_idempotency_key_hash ON purchases (idempotency_key_hash)
  WHERE idempotency_key_hash IS NOT NULL;
