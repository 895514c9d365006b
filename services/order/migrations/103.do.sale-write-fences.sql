-- A sale's write fence (docs/adr/0006-redis-loss-recovery.md): the Redis rebuild bumps `epoch`
-- once Redis refuses reservations and before it reads the books, and stores the new epoch in the
-- sale's Redis meta. The order batch writer reads the fence of each sale in its batch with a
-- locking read, in the batch's own transaction, and writes only the orders reserved under the
-- current epoch: a write in flight while Redis was lost either commits before the bump (then the
-- rebuild reads it) or is refused after it (then its units were never sold twice). No row means
-- epoch 0: a sale that was never rebuilt.
CREATE TABLE sale_write_fences (
  sale_id VARCHAR(64) NOT NULL,
  epoch BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (sale_id)
) ENGINE=InnoDB;
