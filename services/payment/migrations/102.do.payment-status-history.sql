-- Append-only: every transition of a payment, and every refused attempt at one (out-of-order
-- provider events, amount mismatches), with its time and cause. "Where did this payment go, and
-- what did we refuse" is a query on this table.
CREATE TABLE payment_status_history (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  payment_id CHAR(36) NOT NULL,
  from_status VARCHAR(16) NULL,
  to_status VARCHAR(16) NOT NULL,
  accepted TINYINT(1) NOT NULL,
  cause VARCHAR(64) NOT NULL,
  provider_event_id VARCHAR(100) NULL,
  details TEXT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_history_payment (payment_id, id)
) ENGINE=InnoDB;
