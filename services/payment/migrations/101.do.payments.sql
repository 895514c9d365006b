-- One row per payment attempt of an order. PENDING -> COMPLETED | FAILED, COMPLETED -> REFUNDED;
-- every change is a guarded UPDATE ... WHERE status IN (...), recorded in payment_status_history.
CREATE TABLE payments (
  id CHAR(36) NOT NULL,
  order_id VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  user_id VARCHAR(64) NOT NULL,
  amount_minor BIGINT UNSIGNED NOT NULL,
  currency CHAR(3) NOT NULL,
  status VARCHAR(16) NOT NULL,
  -- The provider's id of the payment (known once the provider accepted it) and of the money
  -- movement (known once it completed); both unique so one provider fact maps to one row.
  provider_payment_id VARCHAR(100) NULL,
  transaction_id VARCHAR(100) NULL,
  redirect_url VARCHAR(1000) NULL,
  failure_reason VARCHAR(200) NULL,
  callback_at DATETIME(6) NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uq_payments_provider_payment (provider_payment_id),
  UNIQUE KEY uq_payments_transaction (transaction_id),
  KEY ix_payments_order (order_id),
  KEY ix_payments_status (status, updated_at),
  CONSTRAINT ck_payments_status CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED'))
) ENGINE=InnoDB;
