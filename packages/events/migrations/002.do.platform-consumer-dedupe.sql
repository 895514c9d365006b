-- Consumer idempotency: a handler's effect and this row commit in one transaction, so a
-- redelivered event finds its (consumer, event_id) and is skipped.
CREATE TABLE consumer_dedupe (
  consumer VARCHAR(100) NOT NULL,
  event_id CHAR(36) NOT NULL,
  event_type VARCHAR(120) NOT NULL,
  topic VARCHAR(200) NOT NULL,
  kafka_partition INT NOT NULL,
  kafka_offset BIGINT NOT NULL,
  processed_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (consumer, event_id),
  KEY ix_dedupe_processed (processed_at)
) ENGINE=InnoDB;
