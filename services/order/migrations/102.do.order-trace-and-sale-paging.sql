-- The trace an order started (its `order.created` envelope's trace id), kept on the order so a
-- service that asks about it synchronously (GET /v1/internal/orders/:id) continues that trace
-- after the outbox row is purged. NULL for orders placed before this column existed.
ALTER TABLE orders ADD COLUMN trace_id CHAR(32) NULL;

-- A sale's orders in id order: the Redis rebuild and the per-order books read a sale in keyset
-- pages (sale_id = ? AND id > ? ORDER BY id LIMIT n) without scanning other sales' rows.
CREATE INDEX ix_orders_sale_id ON orders (sale_id, id);
