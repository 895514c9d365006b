-- Evidence of every reconciliation run (scheduled, CLI or HTTP): what was checked, what was found
-- by anomaly class, what was repaired or could not be, and a few ids to start an investigation.
-- JSON columns are LONGTEXT so the schema is the same on MySQL 8 and MariaDB.
CREATE TABLE reconciliation_runs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  job VARCHAR(64) NOT NULL,
  triggered_by VARCHAR(16) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  rows_checked INT UNSIGNED NOT NULL,
  anomalies_found INT UNSIGNED NOT NULL,
  anomalies_by_class LONGTEXT NOT NULL,
  repaired INT UNSIGNED NOT NULL,
  failed INT UNSIGNED NOT NULL,
  sample_ids LONGTEXT NOT NULL,
  error TEXT NULL,
  PRIMARY KEY (id),
  KEY ix_runs_job (job, started_at),
  CONSTRAINT ck_runs_outcome CHECK (outcome IN ('completed', 'crashed')),
  CONSTRAINT ck_runs_trigger CHECK (triggered_by IN ('schedule', 'cli', 'http', 'test'))
) ENGINE=InnoDB;

-- Evidence of every replay (seed 001): the scope replayed, what the scratch projection saw and
-- changed, and whether every invariant of the flow's recovery contract held afterwards.
CREATE TABLE replay_runs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  flow VARCHAR(64) NOT NULL,
  scope LONGTEXT NOT NULL,
  applied TINYINT(1) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NOT NULL,
  events_processed INT UNSIGNED NOT NULL,
  duplicates_skipped INT UNSIGNED NOT NULL,
  projections_changed INT UNSIGNED NOT NULL,
  reconciliation_failures INT UNSIGNED NOT NULL,
  confidence_status VARCHAR(16) NOT NULL,
  details LONGTEXT NOT NULL,
  PRIMARY KEY (id),
  KEY ix_replay_flow (flow, started_at),
  CONSTRAINT ck_replay_confidence CHECK (confidence_status IN ('trusted', 'untrusted'))
) ENGINE=InnoDB;
