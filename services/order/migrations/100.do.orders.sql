-- Orders with their items, every status transition with time and cause, and the responses
-- stored under each Idempotency-Key (24 h).
CREATE TABLE orders (
  id CHAR(36) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  user_id VARCHAR(64) NOT NULL,
  sale_id VARCHAR(64) NOT NULL,
  sku_id VARCHAR(64) NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  unit_price_minor BIGINT UNSIGNED NOT NULL,
  total_minor BIGINT UNSIGNED NOT NULL,
  currency CHAR(3) NOT NULL,
  status VARCHAR(16) NOT NULL,
  stock_committed TINYINT(1) NOT NULL DEFAULT 0,
  payment_id VARCHAR(64) NULL,
  expires_at DATETIME(6) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_orders_owner (tenant_id, user_id, created_at),
  KEY ix_orders_status_expiry (status, expires_at),
  KEY ix_orders_sale (sale_id, status),
  CONSTRAINT ck_orders_status CHECK (status IN ('PENDING','PAID','CONFIRMED','SHIPPED','DELIVERED','REFUNDED','CANCELLED','EXPIRED'))
) ENGINE=InnoDB;

CREATE TABLE order_items (
  order_id CHAR(36) NOT NULL,
  line_no SMALLINT UNSIGNED NOT NULL,
  sku_id VARCHAR(64) NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  unit_price_minor BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (order_id, line_no),
  CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB;

CREATE TABLE order_status_history (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  order_id CHAR(36) NOT NULL,
  from_status VARCHAR(16) NULL,
  to_status VARCHAR(16) NOT NULL,
  cause VARCHAR(200) NOT NULL,
  source_event_id CHAR(36) NULL,
  occurred_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_history_order (order_id, id)
) ENGINE=InnoDB;

CREATE TABLE idempotency_keys (
  tenant_id VARCHAR(64) NOT NULL,
  user_id VARCHAR(64) NOT NULL,
  idem_key VARCHAR(255) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  order_id CHAR(36) NOT NULL,
  response_status SMALLINT UNSIGNED NOT NULL,
  response_body LONGTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, user_id, idem_key),
  KEY ix_idempotency_expiry (expires_at)
) ENGINE=InnoDB;
