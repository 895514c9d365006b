-- Every authenticated provider event, stored raw under the provider's event id in the same
-- transaction that applies it: a redelivery hits the primary key and is answered without a second
-- effect. `outcome` says what the event did (APPLIED) or why it was refused.
CREATE TABLE webhook_inbox (
  provider_event_id VARCHAR(100) NOT NULL,
  event_type VARCHAR(64) NOT NULL,
  payment_id CHAR(36) NULL,
  raw_body MEDIUMTEXT NOT NULL,
  signed_at DATETIME(6) NOT NULL,
  received_at DATETIME(6) NOT NULL,
  processed_at DATETIME(6) NULL,
  outcome VARCHAR(32) NOT NULL,
  outcome_detail VARCHAR(500) NULL,
  duplicate_deliveries INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (provider_event_id),
  KEY ix_inbox_payment (payment_id),
  KEY ix_inbox_outcome (outcome, received_at)
) ENGINE=InnoDB;
