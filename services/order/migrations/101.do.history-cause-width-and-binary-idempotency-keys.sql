-- A history cause quotes what the caller or the event said (a cancel reason of up to 200
-- characters, a refund reason of up to 200) behind a prefix of its own; 500 holds every cause the
-- order service and the reconciler write, so a valid request never fails on the history row.
ALTER TABLE order_status_history MODIFY cause VARCHAR(500) NOT NULL;

-- Idempotency-Keys are opaque byte strings (the IETF draft): `Key-A` and `key-a` are two keys.
-- Under the default case-insensitive collation they collided, and one request replayed another's
-- response.
ALTER TABLE idempotency_keys MODIFY idem_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
