-- The payment service's own view of orders, built from order.created / cancelled / expired events.
-- It answers "may this order be paid, for how much, by whom" without calling the order service,
-- and "was the order still alive when its money arrived" (an EXPIRED or CANCELLED order that is
-- paid anyway gets an automatic refund).
CREATE TABLE order_view (
  order_id VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  user_id VARCHAR(64) NOT NULL,
  total_minor BIGINT UNSIGNED NOT NULL,
  currency CHAR(3) NOT NULL,
  status VARCHAR(16) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  -- The order's trace, so payment events continue it end to end.
  trace_id CHAR(32) NOT NULL,
  last_event_id CHAR(36) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (order_id),
  CONSTRAINT ck_order_view_status CHECK (status IN ('PENDING', 'CANCELLED', 'EXPIRED'))
) ENGINE=InnoDB;
