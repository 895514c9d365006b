-- Append-only history of every stock change (seed 002). `stock_delta` is the signed effect on
-- `skus.stock` (a refund without restock has quantity > 0 and delta 0), so
-- initial_stock + SUM(stock_delta) = stock for every SKU. One row per (order, operation): a second
-- application of the same effect is refused by the database, whatever the consumer runtime did.
CREATE TABLE inventory_audit (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id VARCHAR(64) NOT NULL,
  sku_id VARCHAR(64) NOT NULL,
  sale_id VARCHAR(64) NULL,
  operation ENUM('reserve', 'decrease', 'release', 'refund') NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  stock_delta INT NOT NULL,
  ref_id VARCHAR(64) NOT NULL,
  event_id CHAR(36) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uq_inventory_audit_ref_operation (ref_id, operation),
  KEY ix_inventory_audit_sku (tenant_id, sku_id, id),
  KEY ix_inventory_audit_sale (sale_id, operation)
) ENGINE=InnoDB;

-- One row per order: what the books did with its stock. `released_before_created` records a
-- cancellation or expiry consumed before the order's creation, so the late `order.created` finds it
-- and decrements nothing.
CREATE TABLE stock_reservations (
  order_id VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  sale_id VARCHAR(64) NOT NULL,
  sku_id VARCHAR(64) NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  status ENUM('committed', 'released', 'released_before_created', 'refunded') NOT NULL,
  release_reason VARCHAR(20) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  committed_at DATETIME(6) NULL,
  released_at DATETIME(6) NULL,
  refunded_at DATETIME(6) NULL,
  PRIMARY KEY (order_id),
  KEY ix_stock_reservations_sale (sale_id, status)
) ENGINE=InnoDB;
