-- A refund of a whole payment, requested by ops or automatically (money arrived for an order that
-- had already expired or been cancelled). REQUESTED rows are (re)submitted to the provider by the
-- refund dispatcher until the provider accepts them; the provider's webhook makes them SUCCEEDED.
-- A refund made at the provider directly arrives only as a webhook and is recorded as 'provider'.
CREATE TABLE refunds (
  id CHAR(36) NOT NULL,
  payment_id CHAR(36) NOT NULL,
  order_id VARCHAR(64) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  amount_minor BIGINT UNSIGNED NOT NULL,
  currency CHAR(3) NOT NULL,
  reason VARCHAR(200) NOT NULL,
  initiated_by VARCHAR(16) NOT NULL,
  requested_by VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  provider_refund_id VARCHAR(100) NULL,
  submit_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  last_error VARCHAR(500) NULL,
  created_at DATETIME(6) NOT NULL,
  submitted_at DATETIME(6) NULL,
  completed_at DATETIME(6) NULL,
  PRIMARY KEY (id),
  -- Full refunds only: at most one per payment, whoever asks first.
  UNIQUE KEY uq_refunds_payment (payment_id),
  UNIQUE KEY uq_refunds_provider (provider_refund_id),
  KEY ix_refunds_status (status, created_at),
  CONSTRAINT ck_refunds_status CHECK (status IN ('REQUESTED', 'SUBMITTED', 'SUCCEEDED')),
  CONSTRAINT ck_refunds_initiator CHECK (initiated_by IN ('ops', 'automatic', 'provider'))
) ENGINE=InnoDB;
