-- Transactional outbox: written in the same transaction as the state change it announces.
-- The relay publishes rows in id order and never keeps a high-water mark, so a row whose
-- transaction commits late (id 10 after id 11) is still found on the next scan.
CREATE TABLE outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  event_id CHAR(36) NOT NULL,
  event_type VARCHAR(120) NOT NULL,
  topic VARCHAR(200) NOT NULL,
  partition_key VARCHAR(200) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  envelope LONGTEXT NOT NULL,
  headers LONGTEXT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  published_at DATETIME(6) NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NULL,
  last_error TEXT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_outbox_event (event_id),
  KEY ix_outbox_unpublished (published_at, id)
) ENGINE=InnoDB;
